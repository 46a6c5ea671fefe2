// Loads TypeScript with test/tsconfig.json's paths, so the workspace packages resolve to their sources.
process.env.TSX_TSCONFIG_PATH ??= new URL('../tsconfig.json', import.meta.url).pathname;
await import('tsx');
