/**
 * What `firebase deploy` would upload, read the way firebase-tools 14.27.0 reads it: its Node runtime delegate
 * (lib/deploy/functions/runtimes/node/index.js, `serveAdmin`) starts the functions SDK's `firebase-functions` bin
 * in functions/ with FUNCTIONS_CONTROL_API=true and a PORT, in an environment built from scratch (not the
 * CLI's own), and GETs /__/functions.yaml. The manifest is then parsed, resolved against functions/.env and
 * validated with the CLI's own modules, as `firebase deploy` does before it creates anything.
 *
 * Needs the built functions (functions/lib) and a port for the discovery server, so it is in test/deploy, which
 * `npm test` runs after building, not in test/unit (`npm run test:unit` runs without a build or emulators). Alone,
 * run `npm run build` before.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { TEST_TASKS } from '../fixtures/tasks/test-tasks';

const root = join(__dirname, '..', '..');
const functionsDir = join(root, 'functions');
const PROJECT_ID = 'demo-async-jobs';
/** The CLI whose deploy this reproduces; its internal modules are loaded below, so the version is pinned. */
const FIREBASE_TOOLS_VERSION = '14.27.0';
const DISCOVERY_DEADLINE_MS = 30_000;

/** The wire manifest (the SDK's `stackToWire`), as much of it as the checks read. */
interface WireEndpoint {
  platform: string;
  region: string | string[];
  entryPoint: string;
  availableMemoryMb: number | null;
  cpu?: number | string;
  concurrency: number | null;
  timeoutSeconds: number | null;
  maxInstances: number | null;
  callableTrigger?: Record<string, unknown>;
  httpsTrigger?: Record<string, unknown>;
  eventTrigger?: { eventType: string; eventFilters: Record<string, string>; retry: boolean };
  scheduleTrigger?: { schedule: string; retryConfig: Record<string, unknown> };
  taskQueueTrigger?: Record<string, unknown>;
}
interface WireManifest {
  specVersion: string;
  endpoints: Record<string, WireEndpoint>;
  params: { name: string; type: string; default?: unknown }[];
  requiredAPIs: { api: string; reason: string }[];
}

/** The firebase-tools modules (untyped CommonJS) `firebase deploy` runs on the manifest, as far as used here. */
interface Build {
  endpoints: Record<string, unknown>;
  params: unknown[];
}
interface ResolvedEndpoint {
  id: string;
  region: string;
  availableMemoryMb: number;
  concurrency?: number;
  maxInstances?: number;
  eventTrigger?: { eventFilters: Record<string, string> };
}
interface Backend {
  endpoints: Record<string, Record<string, ResolvedEndpoint>>;
  requiredAPIs: { api: string }[];
}
interface FirebaseTools {
  yamlToBuild(manifest: unknown, project: string, region: string, runtime: string): Build;
  resolveBackend(opts: {
    build: Build;
    firebaseConfig: { projectId: string };
    userEnvs: Record<string, string>;
    nonInteractive: boolean;
    isEmulator: boolean;
  }): Promise<{ backend: Backend }>;
  endpointsAreValid(backend: Backend): void;
  loadUserEnvs(opts: {
    functionsSource: string;
    projectId: string;
    projectAlias?: string;
    isEmulator: boolean;
  }): Record<string, string>;
  validateKey(key: string): void;
}

function loadFirebaseTools(): FirebaseTools {
  const load = createRequire(join(root, 'package.json'));
  const version = (load('firebase-tools/package.json') as { version: string }).version;
  assert.equal(version, FIREBASE_TOOLS_VERSION, 'the internal modules read below are those of this version');
  const lib = (path: string) => load(`firebase-tools/lib/${path}`) as Record<string, unknown>;
  const discovery = lib('deploy/functions/runtimes/discovery/index.js');
  const build = lib('deploy/functions/build.js');
  const validate = lib('deploy/functions/validate.js');
  const env = lib('functions/env.js');
  const tools = {
    yamlToBuild: discovery.yamlToBuild,
    resolveBackend: build.resolveBackend,
    endpointsAreValid: validate.endpointsAreValid,
    loadUserEnvs: env.loadUserEnvs,
    validateKey: env.validateKey,
  };
  for (const [name, fn] of Object.entries(tools)) assert.equal(typeof fn, 'function', `firebase-tools has ${name}`);
  return tools as unknown as FirebaseTools;
}

/**
 * The discovery process's environment, as the delegate's spawnFunctionsProcess builds it: the firebase envs
 * (FIREBASE_CONFIG, GCLOUD_PROJECT) and the quota project from prepare.js, then its own few variables. Nothing
 * else of the caller's environment gets in (not functions/.env's params either: they are resolved after).
 */
function discoveryEnv(port: number): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {
    FIREBASE_CONFIG: JSON.stringify({ projectId: PROJECT_ID }),
    GCLOUD_PROJECT: PROJECT_ID,
    GOOGLE_CLOUD_QUOTA_PROJECT: PROJECT_ID,
    FUNCTIONS_CONTROL_API: 'true',
    HOME: process.env.HOME,
    PATH: process.env.PATH,
    NODE_ENV: process.env.NODE_ENV,
    __FIREBASE_FRAMEWORKS_ENTRY__: process.env.__FIREBASE_FRAMEWORKS_ENTRY__,
    PORT: String(port),
  };
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
}

/** The delegate's findFunctionsBinary: functions/node_modules/.bin first, then the project's (npm workspaces). */
function functionsBinary(): string {
  for (const dir of [join(functionsDir, 'node_modules'), join(root, 'node_modules')]) {
    const bin = join(dir, '.bin', 'firebase-functions');
    if (existsSync(bin)) return bin;
  }
  throw new Error('no node_modules/.bin/firebase-functions: run `npm ci`');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** GETs /__/functions.yaml until the bin answers (the CLI retries refused connections too), within a deadline. */
async function fetchManifest(child: ChildProcess, port: number, output: () => string): Promise<string> {
  const deadline = Date.now() + DISCOVERY_DEADLINE_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the discovery process exited (${child.exitCode}):\n${output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/__/functions.yaml`, {
        // A bin that accepts the connection but never answers must not outlive the deadline either.
        signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`discovery answered ${response.status}: ${text}\n${output()}`);
      return text;
    } catch (e) {
      if (!(e instanceof TypeError)) throw e; // fetch's "failed" (refused: not listening yet)
    }
    if (Date.now() > deadline) {
      throw new Error(`no manifest within ${DISCOVERY_DEADLINE_MS} ms; the process wrote:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What each function is deployed with; docs/configuration.md "Functions" documents the same. */
const EXPECTED = {
  createJob: { trigger: 'callable', memory: 256, cpu: 1, concurrency: 80, timeout: 60, maxInstances: 10 },
  createJobs: { trigger: 'callable', memory: 256, cpu: 1, concurrency: 80, timeout: 60, maxInstances: 10 },
  cancelJob: { trigger: 'callable', memory: 256, cpu: 1, concurrency: 80, timeout: 60, maxInstances: 10 },
  signalJob: { trigger: 'callable', memory: 256, cpu: 1, concurrency: 80, timeout: 60, maxInstances: 10 },
  adminCancelJob: { trigger: 'callable', memory: 256, cpu: 1, concurrency: 80, timeout: 60, maxInstances: 10 },
  adminRetryJob: { trigger: 'callable', memory: 256, cpu: 1, concurrency: 80, timeout: 60, maxInstances: 10 },
  jobs: { trigger: 'HTTP', memory: 256, cpu: 1, concurrency: 80, timeout: 90, maxInstances: 10 },
  runJob: { trigger: 'Pub/Sub `jobs`', memory: 256, cpu: 'gcf_gen1', concurrency: 1, timeout: 540, maxInstances: 10 },
  runJobCompute: {
    trigger: 'Pub/Sub `jobs-compute`',
    memory: 1024,
    cpu: 1,
    concurrency: 1,
    timeout: 540,
    maxInstances: 5,
  },
  sweepJobs: { trigger: 'schedule', memory: 256, cpu: 'gcf_gen1', concurrency: 1, timeout: 60, maxInstances: 1 },
  wakeJobs: { trigger: 'Cloud Tasks', memory: 256, cpu: 1, concurrency: 80, timeout: 540, maxInstances: 10 },
} as const;
type FunctionId = keyof typeof EXPECTED;
/** Options a deployment sets with params, as the manifest carries them (functions/.env gives EXPECTED's values). */
const PARAM_OPTIONS: Partial<Record<FunctionId, Record<string, string>>> = {
  runJob: {
    memory: '{{ params.WORKER_MEMORY_MB }}',
    concurrency: '{{ params.WORKER_CONCURRENCY }}',
    maxInstances: '{{ params.WORKER_MAX_INSTANCES }}',
  },
};
const FUNCTION_IDS = Object.keys(EXPECTED) as FunctionId[];

describe('deploy manifest (what `firebase deploy` uploads)', function () {
  this.timeout(DISCOVERY_DEADLINE_MS + 30_000);
  let child: ChildProcess | undefined;
  let port = 0;
  let manifest: WireManifest;
  let tools: FirebaseTools;

  before(async () => {
    if (!existsSync(join(functionsDir, 'lib', 'index.js'))) {
      throw new Error('functions/lib/index.js is missing: run `npm run build` first (`npm test` does)');
    }
    tools = loadFirebaseTools();
    port = await freePort();
    let output = '';
    const proc = spawn(functionsBinary(), [functionsDir], {
      cwd: functionsDir,
      env: discoveryEnv(port),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // The CLI parses the body with yaml.parse; the SDK writes JSON, which is YAML.
    manifest = JSON.parse(await fetchManifest(proc, port, () => output)) as WireManifest;
  });

  after(async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    // As the CLI stops it: /__/quitquitquit, then a kill if it lingers.
    await fetch(`http://127.0.0.1:${port}/__/quitquitquit`).catch(() => undefined);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  });

  it('runs on the deploy runtime: firebase.json says nodejs22, and this Node and the discovery Node are 22', () => {
    const firebaseJson = JSON.parse(readFileSync(join(root, 'firebase.json'), 'utf8')) as {
      functions: { source: string; runtime: string; predeploy: string[] }[];
    };
    const [functions] = firebaseJson.functions;
    assert.equal(functions?.source, 'functions');
    assert.equal(functions?.runtime, 'nodejs22');
    assert.equal(process.versions.node.split('.')[0], '22', `tests run on Node ${process.versions.node}`);
    // The bin starts with `#!/usr/bin/env node`: the Node it runs on is the first on the PATH it is given.
    const onPath = spawnSync('node', ['-p', 'process.versions.node'], { env: discoveryEnv(0), encoding: 'utf8' });
    assert.equal(onPath.stdout.trim().split('.')[0], '22', `discovery runs on Node ${onPath.stdout.trim()}`);
  });

  it('predeploy lints and builds the functions', () => {
    const firebaseJson = JSON.parse(readFileSync(join(root, 'firebase.json'), 'utf8')) as {
      functions: { predeploy: string[] }[];
    };
    const predeploy = firebaseJson.functions[0]?.predeploy ?? [];
    assert.deepEqual(predeploy, ['npm --prefix "$RESOURCE_DIR" run lint', 'npm --prefix "$RESOURCE_DIR" run build']);
  });

  it('predeploy builds what the web app is built from, in order: the contract, the client, then the web app', () => {
    const firebaseJson = JSON.parse(readFileSync(join(root, 'firebase.json'), 'utf8')) as {
      hosting: { predeploy: string[] };
    };
    assert.deepEqual(firebaseJson.hosting.predeploy, [
      'npm run build --workspace contract',
      'npm run build --workspace client',
      'npm run build --workspace web',
    ]);
  });

  it('lists exactly the functions of EXPECTED, all 2nd gen, in the JOBS_REGION param', () => {
    assert.equal(manifest.specVersion, 'v1alpha1');
    assert.deepEqual(Object.keys(manifest.endpoints).sort(), [...FUNCTION_IDS].sort());
    for (const id of FUNCTION_IDS) {
      const endpoint = manifest.endpoints[id];
      assert.equal(endpoint?.platform, 'gcfv2', id);
      assert.equal(endpoint?.entryPoint, id, id);
      assert.equal(endpoint?.region, '{{ params.JOBS_REGION }}', id);
    }
  });

  it('gives each function its trigger', () => {
    const { createJob, cancelJob, jobs, runJob, runJobCompute, sweepJobs, wakeJobs } = manifest.endpoints;
    assert.deepEqual(createJob?.callableTrigger, {});
    assert.deepEqual(cancelJob?.callableTrigger, {});
    assert.deepEqual(manifest.endpoints.signalJob?.callableTrigger, {});
    assert.deepEqual(manifest.endpoints.adminCancelJob?.callableTrigger, {});
    assert.deepEqual(manifest.endpoints.adminRetryJob?.callableTrigger, {});
    assert.deepEqual(jobs?.httpsTrigger, {});
    assert.deepEqual(runJob?.eventTrigger, {
      eventType: 'google.cloud.pubsub.topic.v1.messagePublished',
      eventFilters: { topic: 'jobs' },
      // Pub/Sub redelivers a delivery the platform failed; the worker retries jobs' own failures itself.
      retry: true,
    });
    // The compute pool's worker: the same handler on a topic of its own (functions/src/tasks/pools.ts).
    assert.deepEqual(runJobCompute?.eventTrigger, {
      eventType: 'google.cloud.pubsub.topic.v1.messagePublished',
      eventFilters: { topic: 'jobs-compute' },
      retry: true,
    });
    assert.deepEqual(sweepJobs?.scheduleTrigger, { schedule: 'every 1 minutes', retryConfig: { retryCount: 0 } });
    // The timers of sleeping jobs: a Cloud Tasks queue whose failed wake-ups are tried again within seconds.
    assert.deepEqual(wakeJobs?.taskQueueTrigger, {
      retryConfig: {
        maxAttempts: 20,
        maxRetrySeconds: 3600,
        minBackoffSeconds: 1,
        maxBackoffSeconds: 300,
        maxDoublings: 8,
      },
      rateLimits: { maxConcurrentDispatches: 500, maxDispatchesPerSecond: 100 },
    });
    for (const id of FUNCTION_IDS) {
      const triggers = [
        'callableTrigger',
        'httpsTrigger',
        'eventTrigger',
        'scheduleTrigger',
        'taskQueueTrigger',
      ].filter((key) => key in (manifest.endpoints[id] ?? {}));
      assert.equal(triggers.length, 1, `${id} has one trigger: ${triggers.join(', ')}`);
    }
  });

  it('sets memory, cpu, concurrency, timeout and max instances on every function (the worker’s capacity as params)', () => {
    for (const id of FUNCTION_IDS) {
      const endpoint = manifest.endpoints[id];
      const expected = { ...EXPECTED[id], ...PARAM_OPTIONS[id] };
      assert.deepEqual(
        {
          memory: endpoint?.availableMemoryMb,
          cpu: endpoint?.cpu,
          concurrency: endpoint?.concurrency,
          timeout: endpoint?.timeoutSeconds,
          maxInstances: endpoint?.maxInstances,
        },
        {
          memory: expected.memory,
          cpu: expected.cpu,
          concurrency: expected.concurrency,
          timeout: expected.timeout,
          maxInstances: expected.maxInstances,
        },
        id,
      );
    }
  });

  it('declares the params, none with a reserved name, and needs the Cloud Scheduler and Cloud Tasks APIs', () => {
    assert.deepEqual(
      manifest.params.map((p) => p.name),
      [
        'JOBS_REGION',
        'MAX_ACTIVE_JOBS_PER_USER',
        'MAX_WAITS_PER_USER',
        'WORKER_MAX_INSTANCES',
        'WORKER_CONCURRENCY',
        'WORKER_MEMORY_MB',
        'MAX_INPUT_BYTES',
        'DISPATCH_GRACE_SECONDS',
        'JOB_RETENTION_DAYS',
        'ENFORCE_APP_CHECK',
        'ALLOW_ANONYMOUS_CREATES',
      ],
    );
    assert.deepEqual(
      manifest.params.find((p) => p.name === 'JOBS_REGION'),
      {
        name: 'JOBS_REGION',
        type: 'string',
        default: 'us-central1',
        description: 'Region of the functions (clients call them there)',
      },
    );
    for (const { name } of manifest.params) assert.doesNotThrow(() => tools.validateKey(name), name);
    assert.ok(!manifest.params.some((p) => /^(X_GOOGLE_|FIREBASE_|EXT_)/.test(p.name)));
    assert.deepEqual(
      manifest.requiredAPIs.map((a) => a.api),
      ['cloudscheduler.googleapis.com', 'cloudtasks.googleapis.com'],
    );
  });

  it('resolves with functions/.env alone (no prompt) and passes the CLI’s checks, in us-central1', async () => {
    const build = tools.yamlToBuild(manifest, PROJECT_ID, 'us-central1', 'nodejs22');
    const userEnvs = tools.loadUserEnvs({ functionsSource: functionsDir, projectId: PROJECT_ID, isEmulator: false });
    // nonInteractive: a param without a value in functions/.env fails here instead of prompting, as on CI.
    const { backend } = await tools.resolveBackend({
      build,
      firebaseConfig: { projectId: PROJECT_ID },
      userEnvs,
      nonInteractive: true,
      isEmulator: false,
    });
    assert.deepEqual(Object.keys(backend.endpoints), ['us-central1']);
    const resolved = backend.endpoints['us-central1'] ?? {};
    assert.deepEqual(Object.keys(resolved).sort(), [...FUNCTION_IDS].sort());
    assert.deepEqual(resolved.runJob?.eventTrigger?.eventFilters, { topic: `projects/${PROJECT_ID}/topics/jobs` });
    // The worker's params resolved as functions/.env sets them: the values docs/configuration.md's table shows.
    assert.deepEqual(
      {
        memory: resolved.runJob?.availableMemoryMb,
        concurrency: resolved.runJob?.concurrency,
        maxInstances: resolved.runJob?.maxInstances,
      },
      {
        memory: EXPECTED.runJob.memory,
        concurrency: EXPECTED.runJob.concurrency,
        maxInstances: EXPECTED.runJob.maxInstances,
      },
    );
    // CPU and concurrency, memory and CPU, timeouts: the checks `firebase deploy` runs before it creates anything.
    assert.doesNotThrow(() => tools.endpointsAreValid(backend));
  });

  it('ships no test task: the bundle is built from the production tasks alone and names no test task', () => {
    const bundle = readFileSync(join(functionsDir, 'lib', 'index.js'), 'utf8');
    const map = JSON.parse(readFileSync(join(functionsDir, 'lib', 'index.js.map'), 'utf8')) as { sources: string[] };
    const sources = map.sources.map((source) => resolve(functionsDir, 'lib', source));
    assert.ok(sources.includes(join(functionsDir, 'src', 'tasks', 'production-tasks.ts')), 'the production tasks');
    assert.deepEqual(
      sources.filter((source) => source.startsWith(join(root, 'test'))),
      [],
      'no source from test/',
    );
    const names = (type: string) => bundle.includes(`'${type}'`) || bundle.includes(`"${type}"`);
    for (const type of ['sleep', 'primes']) assert.ok(names(type), `the bundle defines ${type}`);
    for (const task of TEST_TASKS) assert.ok(!names(task.type), `the bundle names ${task.type}`);
  });

  it('matches the function table in docs/configuration.md "Functions"', () => {
    const page = readFileSync(join(root, 'docs', 'configuration.md'), 'utf8');
    for (const id of FUNCTION_IDS) {
      const e = EXPECTED[id];
      const cells = [`\`${id}\``, e.trigger, `${e.memory} MiB`, e.cpu, e.concurrency, `${e.timeout} s`, e.maxInstances];
      const row = new RegExp(`^\\| ${cells.map((c) => `${escape(String(c))} +`).join('\\| ')}\\|`, 'm');
      assert.match(page, row, id);
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * An app whose entry does not export every function asyncJobs made (test/fixtures/export-check, with a pool
 * `images`): firebase deploy's discovery, the same bin run as above (loading TypeScript through tsx), stops with the
 * names missing, so the deploy fails instead of leaving a pool without its worker.
 */
describe('discovery of an app that does not export every function (test/fixtures/export-check)', function () {
  this.timeout(DISCOVERY_DEADLINE_MS + 30_000);
  const fixtureDir = join(root, 'test', 'fixtures', 'export-check');

  /** Runs discovery on the fixture, leaving out `leaveOut`; the manifest, or the process's exit and output. */
  async function discover(leaveOut: string): Promise<{ manifest?: WireManifest; failure?: string }> {
    const port = await freePort();
    let output = '';
    const proc = spawn(functionsBinary(), [fixtureDir], {
      cwd: fixtureDir,
      env: {
        ...discoveryEnv(port),
        NODE_OPTIONS: `--import ${join(root, 'test', 'setup', 'tsx.mjs')}`,
        LEAVE_OUT: leaveOut,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      return { manifest: JSON.parse(await fetchManifest(proc, port, () => output)) as WireManifest };
    } catch (e) {
      return { failure: String(e) };
    } finally {
      proc.kill('SIGKILL');
    }
  }

  it('fails, naming the worker of a pool that is not exported', async () => {
    const { manifest, failure } = await discover('runJobImages');
    assert.equal(manifest, undefined);
    assert.match(failure ?? '', /the discovery process exited \(1\)/);
    assert.match(failure ?? '', /the functions' entry module does not export runJobImages\./);
  });

  it('fails, naming each function not exported', async () => {
    const { failure } = await discover('wakeJobs,sweepJobs');
    assert.match(failure ?? '', /does not export sweepJobs, wakeJobs\./);
  });

  it('lists every function, the worker of each pool included, when all are exported', async () => {
    const { manifest, failure } = await discover('');
    assert.equal(failure, undefined);
    assert.deepEqual(Object.keys(manifest?.endpoints ?? {}).sort(), [
      'adminCancelJob',
      'adminRetryJob',
      'cancelJob',
      'createJob',
      'createJobs',
      'jobs',
      'runJob',
      'runJobImages',
      'signalJob',
      'sweepJobs',
      'wakeJobs',
    ]);
  });
});
