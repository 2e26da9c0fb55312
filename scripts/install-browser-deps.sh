#!/usr/bin/env bash
# Installs the Node packages of the headless-browser test (tests/browser: playwright-core,
# pinned by package-lock.json) into tests/browser/node_modules. Idempotent and offline-safe:
# nothing is fetched when the locked version is already installed, and npm's cache is preferred
# over the network otherwise. The browser itself is Debian's chromium (scripts/install-deps.sh);
# playwright never downloads one.
set -euo pipefail
cd "$(dirname "$0")/../tests/browser"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
want="$(node -e 'console.log(require("./package.json").devDependencies["playwright-core"])')"
have="$(node -e 'try { console.log(require("./node_modules/playwright-core/package.json").version) } catch (e) { console.log("") }')"
if [ "$have" = "$want" ]; then
  echo "playwright-core $have already installed"
  exit 0
fi
if [ -f package-lock.json ]; then
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
else
  npm install --prefer-offline --no-audit --no-fund --loglevel=error
fi
echo "playwright-core $(node -e 'console.log(require("./node_modules/playwright-core/package.json").version)') installed"
