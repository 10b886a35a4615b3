#!/usr/bin/env bash
# Gathers natural photos from Debian packages (downloaded and unpacked, never installed) for training the
# project's default model and for its held-out samples, and records each photo's licence.
#   training:  mate-backgrounds (nature), tuxpaint-data (templates), plasma-workspace-wallpapers
#   held out:  palapeli-data (puzzle photos), used only for datasets/samples and evaluation
# Output: <out>/train/*.{jpg,png}, <out>/heldout/*.jpg, <out>/LICENSES.tsv. Downscaling happens when the
# dataset is written (`vlunet datasets --max_size`), so this script needs only apt-get and dpkg-deb.
set -euo pipefail
out=${1:-datasets/photos}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out/train" "$out/heldout"
pkgs="mate-backgrounds tuxpaint-data plasma-workspace-wallpapers palapeli-data"
if [ -n "${DEB_DIR:-}" ]; then
  cp "$DEB_DIR"/*.deb "$work"/
else
  (cd "$work" && apt-get download $pkgs >/dev/null 2>&1) || {
    echo "gather-photos: apt-get download failed (run 'apt-get update' first?)" >&2; exit 1; }
fi
printf 'file\tpackage\tversion\tsource\tlicense\tcopyright\n' > "$out/LICENSES.tsv"
for p in $pkgs; do
  deb=$(ls "$work"/${p}_*.deb | head -n 1)
  mkdir -p "$work/x/$p"; dpkg-deb -x "$deb" "$work/x/$p"
done
cpy() { # file package source-path licence copyright dest-dir
  local name="$2-$(basename "$3" | tr ' ' '_')"
  cp "$1" "$out/$6/$name"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$6/$name" "$2" "$(dpkg-deb -f "$(ls "$work"/${2}_*.deb | head -n 1)" Version)" \
    "$3" "$4" "$5" >> "$out/LICENSES.tsv"
}
# Per-file licence and copyright from a machine-readable Debian copyright file.
lic() { awk -v f="$2" '$1=="Files:"{m=0; for(i=2;i<=NF;i++) if($i==f) m=1} m&&$1=="Copyright:"{sub(/^Copyright: */,""); c=$0} m&&$1=="License:"{print $2 "\t" c; exit}' "$1"; }

x="$work/x/mate-backgrounds"; cr="$x/usr/share/doc/mate-backgrounds/copyright"
for f in "$x"/usr/share/backgrounds/mate/nature/*.jpg; do
  l=; c=; IFS=$'\t' read -r l c < <(lic "$cr" "nature/$(basename "$f")") || true
  cpy "$f" mate-backgrounds "/usr/share/backgrounds/mate/nature/$(basename "$f")" "${l:-GPL-2+}" "${c:-see package copyright}" train
done
x="$work/x/tuxpaint-data"
for f in "$x"/usr/share/tuxpaint/templates/*.jpg; do
  cpy "$f" tuxpaint-data "/usr/share/tuxpaint/templates/$(basename "$f")" GPL-2+ "Tux Paint contributors (package copyright)" train
done
x="$work/x/plasma-workspace-wallpapers"
for d in "$x"/usr/share/wallpapers/*/; do
  # One landscape image per wallpaper: the largest file under contents/images.
  f=$(ls -S "$d"contents/images/* 2>/dev/null | head -n 1) || true
  [ -n "$f" ] || continue
  w=$(basename "$d")
  cp "$f" "$work/$w.${f##*.}"
  cpy "$work/$w.${f##*.}" plasma-workspace-wallpapers "/usr/share/wallpapers/$w/contents/images/$(basename "$f")" GPL-2+ "KDE contributors (package copyright)" train
done
x="$work/x/palapeli-data"
for f in "$x"/usr/share/palapeli/collection/*.jpg; do
  cpy "$f" palapeli-data "/usr/share/palapeli/collection/$(basename "$f")" GPL-2+ "KDE Palapeli contributors (package copyright)" heldout
done
echo "gather-photos: $(ls "$out/train" | wc -l) training and $(ls "$out/heldout" | wc -l) held-out photos in $out (licences in $out/LICENSES.tsv)"
