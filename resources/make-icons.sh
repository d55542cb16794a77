#!/usr/bin/env bash
# Renders the app icon from icon.svg for every platform electron-builder packages for:
#   icons/NxN.png (Linux, 16…1024), icon.png (1024, window icon), icon.ico (Windows), icon.icns (macOS).
# Needs rsvg-convert, ImageMagick's convert and png2icns:
#   apt-get install -y librsvg2-bin imagemagick icnsutils
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Small sizes are cut closer to the tile, so its shapes stay legible at 16–48 px.
sed 's/viewBox="0 0 1024 1024"/viewBox="40 40 944 944"/' icon.svg > "$tmp/small.svg"
mkdir -p icons
for s in 16 24 32 48 64 128 256 512 1024; do
  src=icon.svg
  [ "$s" -le 48 ] && src="$tmp/small.svg"
  rsvg-convert -w "$s" -h "$s" "$src" -o "$tmp/$s.png"
done
for s in 16 32 48 64 128 256 512 1024; do cp "$tmp/$s.png" "icons/${s}x${s}.png"; done
cp "$tmp/1024.png" icon.png
convert "$tmp/16.png" "$tmp/24.png" "$tmp/32.png" "$tmp/48.png" "$tmp/64.png" "$tmp/128.png" "$tmp/256.png" icon.ico
png2icns icon.icns "$tmp/16.png" "$tmp/32.png" "$tmp/48.png" "$tmp/128.png" "$tmp/256.png" "$tmp/512.png" "$tmp/1024.png" >/dev/null
echo "icons written to $(pwd)"
