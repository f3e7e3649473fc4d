#!/usr/bin/env bash
# Refresh static/topojson from plotly.js's dist/plotly-geo-assets.js (npm). Usage: tools/extract_topojson.sh 3.7.0
set -euo pipefail
version=${1:?plotly.js version}
out="$(cd "$(dirname "$0")/.." && pwd)/static/topojson"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack "plotly.js@$version" --silent >/dev/null
tar xzf "plotly.js-$version.tgz" package/dist/plotly-geo-assets.js package/LICENSE
cp package/LICENSE "$out/LICENSE-plotly.js"
node -e '
global.window = global;
const assets = require("./package/dist/plotly-geo-assets.js");
for (const [name, shape] of Object.entries(assets.topojson))
  require("fs").writeFileSync(process.argv[1] + "/" + name + ".json", JSON.stringify(shape));
' "$out"
echo "wrote $(ls "$out"/*.json | wc -l) files to $out"
