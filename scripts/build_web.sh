#!/usr/bin/env bash
# Build the web app (web/ -> web/dist, served by the server at `/`). Needs Node.js 20+ and npm;
# without them it says so and exits 0, and the server runs without the app.
# Skips the build when web/dist is newer than every source file (pass --force to rebuild).
# --typecheck also runs TypeScript's checker first (`npm run build`; CI does, via
# scripts/test.sh); the README's first command skips it: a third of the build's time, and
# nothing a newcomer running the app needs.
set -euo pipefail
cd "$(dirname "$0")/../web"
force=0 typecheck=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --typecheck) typecheck=1 ;;
    *) echo "usage: build_web.sh [--force] [--typecheck]" >&2; exit 2 ;;
  esac
done
if ! command -v npm >/dev/null 2>&1; then
  echo "web app: npm not found, skipping the build (install Node.js 20+ and run: bash scripts/build_web.sh)" >&2
  exit 0
fi
if [ "$force" = 0 ] && [ -f dist/index.html ] && [ -d node_modules ] \
   && [ -z "$(find src index.html package-lock.json vite.config.ts -newer dist/index.html -print -quit)" ]; then
  echo "web app: web/dist is up to date" >&2
  exit 0
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --silent --no-audit --no-fund
fi
if [ "$typecheck" = 1 ]; then
  npm run --silent build  # tsc --noEmit && vite build
else
  npx --no-install vite build --logLevel warn
fi
echo "web app: built web/dist" >&2
