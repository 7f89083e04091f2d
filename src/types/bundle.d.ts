/**
 * `true` in the bundled CLI (scripts/bundle.mjs defines it), absent in tsc's dist/ and under
 * vitest: the bundle's worker threads are files beside it, not the modules that spawn them.
 */
declare const RDBKIT_BUNDLED: boolean | undefined;
