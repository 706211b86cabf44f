#!/usr/bin/env bash
# Set up a fresh machine for recist-reader: Debian packages (Qt under Xvfb, dcm2niix), then a
# virtual environment in .venv with the package and its test extra. Safe to run again: each
# step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(
  # Qt under Xvfb with Mesa's software OpenGL (napari's canvas)
  xvfb xauth libgl1 libegl1 libgl1-mesa-dri libglib2.0-0 libfontconfig1 libdbus-1-3
  libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-render-util0 libxcb-shape0
  # the independent reference for DICOM geometry in the loader tests
  dcm2niix
  # a throwaway DICOMweb server (Orthanc and its DICOMweb plugin) for the DICOMweb tests
  orthanc orthanc-dicomweb
  # R's foreign::read.xport: another implementation reads the SDTM transport files
  r-base-core r-cran-foreign
  # the DICOM SR validators of the SR tests: dciodvfy, and PixelMed's DicomSRValidator on a JRE
  dicom3tools pixelmed-apps default-jre-headless
)

if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for package in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "bootstrap: not a Debian system; install Xvfb, Mesa OpenGL and dcm2niix yourself" >&2
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=.venv/.recist-reader-installed
wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[testing]"
  echo "$wanted" > "$stamp"
fi

# OHIF's own SR parsers (dcmjs, @cornerstonejs/adapters) for the SR tests, pinned by
# tools/sr-check/package-lock.json. Node comes from the machine (nodesource here); Debian's
# nodejs and npm only when npm is missing (installing Debian's npm over nodesource's conflicts).
if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "bootstrap: installing Debian packages: nodejs npm" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if command -v npm >/dev/null 2>&1; then
  sr_check_stamp=tools/sr-check/node_modules/.recist-reader-installed
  sr_check_wanted=$(sha256sum tools/sr-check/package-lock.json | cut -d' ' -f1)
  if [ ! -f "$sr_check_stamp" ] || [ "$(cat "$sr_check_stamp")" != "$sr_check_wanted" ]; then
    (cd tools/sr-check && npm ci --no-audit --no-fund --loglevel=error)
    echo "$sr_check_wanted" > "$sr_check_stamp"
  fi
else
  echo "bootstrap: npm not found; the SR tests that run OHIF's parsers will be skipped" >&2
fi
