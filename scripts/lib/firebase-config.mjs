// @ts-check
/**
 * firebase.json is the one place the emulator suite is described (ports, emulators, codebases). The variants the
 * scripts need (no UI, the test suite's functions, the bench's extra codebase) and the start banner's URLs are derived from it, so a port
 * changed there is changed everywhere.
 */

/**
 * @typedef {{ host?: string, port?: number, enabled?: boolean }} EmulatorEntry
 * @typedef {{ source: string, codebase?: string, runtime?: string, [key: string]: unknown }} FunctionsEntry
 * @typedef {{
 *   functions?: FunctionsEntry[],
 *   emulators?: Record<string, EmulatorEntry | boolean>,
 *   hosting?: unknown,
 *   [key: string]: unknown,
 * }} FirebaseConfig
 */

/** Entries of "emulators" that are settings or helpers, not emulators to name in --only. */
const NOT_EMULATORS = new Set(['singleProjectMode', 'ui', 'hub', 'logging']);

/**
 * The emulators the config lists, as `--only` takes them.
 * @param {FirebaseConfig} config
 */
export function emulatorNames(config) {
  return Object.keys(config.emulators ?? {}).filter((name) => !NOT_EMULATORS.has(name));
}

/**
 * An emulator's settings, or undefined where the config has none.
 * @param {FirebaseConfig} config
 * @param {string} name
 * @returns {EmulatorEntry | undefined}
 */
function emulatorEntry(config, name) {
  const entry = config.emulators?.[name];
  return typeof entry === 'object' ? entry : undefined;
}

/**
 * `http://host:port` of an emulator the config lists (firebase-tools' own default host where it names none).
 * @param {FirebaseConfig} config
 * @param {string} name
 */
export function emulatorOrigin(config, name) {
  const entry = emulatorEntry(config, name);
  if (entry?.port === undefined) throw new Error(`firebase.json gives no port for the ${name} emulator`);
  return `http://${entry.host ?? '127.0.0.1'}:${entry.port}`;
}

/**
 * The same config with the Emulator UI off (for a machine that cannot download it).
 * @param {FirebaseConfig} config
 * @returns {FirebaseConfig}
 */
export function withoutUi(config) {
  return { ...config, emulators: { ...config.emulators, ui: { ...emulatorEntry(config, 'ui'), enabled: false } } };
}

/**
 * The folder of the default functions codebase (`functions` unless a variant moved it).
 * @param {FirebaseConfig} config
 */
export function defaultFunctionsSource(config) {
  return (config.functions ?? []).find((entry) => (entry.codebase ?? 'default') === 'default')?.source ?? 'functions';
}

/**
 * The test suite's config: the functions codebase served from `source` (the test suite's own functions entry,
 * with the test tasks), everything else as firebase.json has it.
 * @param {FirebaseConfig} config
 * @param {string} source
 * @returns {FirebaseConfig}
 */
export function withFunctionsSource(config, source) {
  const functions = (config.functions ?? []).map((entry) =>
    entry.codebase === 'default' ? { ...entry, source } : entry,
  );
  return { ...config, functions };
}

/**
 * The bench's suite: the project's functions plus the seed's baseline as a second codebase, which no deploy
 * reads, so no deploy ships it. No hosting and no UI: the bench measures the functions only.
 * @param {FirebaseConfig} config
 * @param {FunctionsEntry} baseline
 * @returns {FirebaseConfig}
 */
export function withBenchBaseline(config, baseline) {
  const emulators = { ...withoutUi(config).emulators };
  delete emulators.hosting;
  const bench = { ...config, functions: [...(config.functions ?? []), baseline], emulators };
  delete bench.hosting;
  return bench;
}
