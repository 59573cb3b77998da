#!/usr/bin/env node
// Runs the compiled CLI; `npm run build` (or install.sh) produces dist/.
import('../dist/src/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/main.js')) {
    console.error('figaro: the CLI is not built yet; run `npm run build` (install.sh does it for you).');
    process.exit(1);
  }
  throw err;
});
