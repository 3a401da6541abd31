/**
 * Import this before a script whose functions a test uses (10's strftime, 16's frame decoder):
 * with the flag set, the script defines its functions and does not run. ES modules run their
 * imports in order, so `import './as-library.ts'` must come first. The flag lives in this process
 * alone: the scripts that the tests start as processes never see it.
 */
(globalThis as { SOCKETS_KIT_IMPORT?: boolean }).SOCKETS_KIT_IMPORT = true;
