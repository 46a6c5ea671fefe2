/**
 * The client's typing of a task by its name, checked by the TypeScript compiler: small programs that call
 * @async-jobs/client (client/src, as test/tsconfig.json maps it) are type-checked here, and a wrong input or an
 * unknown task type must be a compile error that names the problem. The client is generic: the task types come
 * from @async-jobs/contract's TaskTypes, which an app extends with its own, either written out (this project's
 * @async-jobs/app-tasks) or derived from its task definitions with @async-jobs/functions' TaskTypesOf. The batch
 * call, `createJobs`, types each job of its batch the same way, by the job's own task name.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import ts from 'typescript';

const root = join(__dirname, '..', '..');
const TEST_TSCONFIG = join(root, 'test', 'tsconfig.json');
const CLIENT_SOURCE = join(root, 'client', 'src', 'index.ts');

/** The programs, by name: each is the body of an async function with a `functions: Functions` parameter. */
const PROGRAMS = {
  typed: `
    const sleep = await createJob(functions, 'sleep', { worktime: 5 });
    const primes = await createJob(functions, 'primes', { below: 1000 }, { requestId: crypto.randomUUID() });
    return [sleep.id, primes.type];`,
  wrongFieldType: `return createJob(functions, 'sleep', { worktime: '5' });`,
  anotherTasksInput: `return createJob(functions, 'primes', { worktime: 5 });`,
  unknownType: `return createJob(functions, 'mine-bitcoin', {});`,
  typedResult: `
    const job = await waitForJob<'primes'>(firestore, 'some-id');
    const count: number | undefined = job.result?.count;
    return count;`,
  wrongResult: `
    const job = await waitForJob<'sleep'>(firestore, 'some-id');
    const count: number | undefined = job.result;
    return count;`,
  watchTyped: `
    return watchJob<'primes'>(firestore, 'some-id', (job) => {
      const count: number | undefined = job?.result?.count;
      void count;
    });`,
  narrowedByType: `
    return watchMyJobs(firestore, 'some-uid', (jobs) => {
      for (const job of jobs) {
        if (job.type === 'primes') {
          const count: number | undefined = job.result?.count;
          void count;
        }
      }
    });`,
  notNarrowed: `
    return watchMyJobs(firestore, 'some-uid', (jobs) => {
      const count: number | undefined = jobs[0]?.result?.count;
      void count;
    });`,
  appDefined: `
    return createJob(functions, 'resizeImage', { path: 'a.png', width: 640 });`,
  appDefinedWrong: `
    return createJob(functions, 'resizeImage', { path: 'a.png', width: '640' });`,
  batchTyped: `
    const made = await createJobs(
      functions,
      [{ type: 'sleep', input: { worktime: 5 } }, { type: 'primes', input: { below: 1000 } }],
      crypto.randomUUID(),
    );
    const ids: string[] = made.jobs.map((job) => job.id);
    return ids;`,
  batchWrongInput: `
    return createJobs(functions, [{ type: 'sleep', input: { worktime: 5 } }, { type: 'primes', input: { worktime: 5 } }]);`,
  batchUnknownType: `return createJobs(functions, [{ type: 'mine-bitcoin', input: {} }]);`,
} as const;

/**
 * An app's own task, defined with @async-jobs/functions and merged into TaskTypes with TaskTypesOf, as an app's
 * code declares it (test/tsconfig.json maps the library to library/src).
 */
const APP_TASKS_MODULE = `
  import { defineTask, type TaskTypesOf } from '@async-jobs/functions';
  import { z } from 'zod';
  export const resizeImage = defineTask({
    type: 'resizeImage',
    input: z.strictObject({ path: z.string(), width: z.number().int() }),
    async run({ path, width }) { return { path: path + '@' + width }; },
  });
  const appTasks = [resizeImage] as const;
  declare module '@async-jobs/contract' {
    interface TaskTypes extends TaskTypesOf<typeof appTasks> {}
  }
`;
type ProgramName = keyof typeof PROGRAMS;

/** test/tsconfig.json's options: the '@async-jobs/client' path, strict mode, the libs the tests compile with. */
function testCompilerOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(TEST_TSCONFIG, (path) => ts.sys.readFile(path));
  assert.equal(config.error, undefined, 'test/tsconfig.json reads');
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dirname(TEST_TSCONFIG));
  assert.deepEqual(parsed.errors, [], 'test/tsconfig.json parses');
  assert.ok(parsed.options.paths?.['@async-jobs/client'], "test/tsconfig.json maps '@async-jobs/client'");
  // Each program uses some of what every program imports: unused imports are no finding here.
  return { ...parsed.options, noEmit: true, noUnusedLocals: false, noUnusedParameters: false };
}

/**
 * Type-checks every program, each a module of its own placed in test/unit (in memory only) so its imports
 * resolve as a test file's do. Returns what the compiler says, by program; what it says of any other file (the
 * client's own, say) is under "other", so a client that does not compile cannot pass for a refused call.
 */
function compile(): Record<ProgramName | 'appTasks' | 'other', string[]> {
  const options = testCompilerOptions();
  const files = new Map<string, { name: ProgramName | 'appTasks'; text: string }>();
  for (const [name, body] of Object.entries(PROGRAMS) as [ProgramName, string][]) {
    const text = [
      "import type { Functions } from 'firebase/functions';",
      "import type { Firestore } from 'firebase/firestore';",
      "import { createJob, createJobs, waitForJob, watchJob, watchMyJobs } from '@async-jobs/client';",
      // This project's task types, as its web app brings them in.
      "import type {} from '@async-jobs/app-tasks';",
      "import './client-types-app-tasks';",
      'export async function program(functions: Functions, firestore: Firestore): Promise<unknown> {',
      body,
      '}',
    ].join('\n');
    files.set(join(root, 'test', 'unit', `client-types-program-${name}.ts`), { name, text });
  }
  files.set(join(root, 'test', 'unit', 'client-types-app-tasks.ts'), { name: 'appTasks', text: APP_TASKS_MODULE });
  const host = ts.createCompilerHost(options, true);
  const disk = {
    getSourceFile: host.getSourceFile.bind(host),
    fileExists: host.fileExists.bind(host),
    readFile: host.readFile.bind(host),
  };
  host.getSourceFile = (path, language, onError, shouldCreate) => {
    const program = files.get(path);
    return program
      ? ts.createSourceFile(path, program.text, language, true)
      : disk.getSourceFile(path, language, onError, shouldCreate);
  };
  host.fileExists = (path) => files.has(path) || disk.fileExists(path);
  host.readFile = (path) => files.get(path)?.text ?? disk.readFile(path);
  const program = ts.createProgram({ rootNames: [...files.keys()], options, host });
  assert.ok(program.getSourceFile(CLIENT_SOURCE), "'@async-jobs/client' resolves to client/src/index.ts");

  const said: Record<ProgramName | 'appTasks' | 'other', string[]> = {
    typed: [],
    wrongFieldType: [],
    anotherTasksInput: [],
    unknownType: [],
    typedResult: [],
    wrongResult: [],
    watchTyped: [],
    narrowedByType: [],
    notNarrowed: [],
    appDefined: [],
    appDefinedWrong: [],
    batchTyped: [],
    batchWrongInput: [],
    batchUnknownType: [],
    appTasks: [],
    other: [],
  };
  for (const d of [...program.getOptionsDiagnostics(), ...ts.getPreEmitDiagnostics(program)]) {
    const related = (d.relatedInformation ?? []).map(
      (r) => ` (${ts.flattenDiagnosticMessageText(r.messageText, ' ')})`,
    );
    const text = `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}${related.join('')}`;
    const name = d.file && files.get(d.file.fileName)?.name;
    if (name) said[name].push(text);
    else said.other.push(`${d.file?.fileName ?? 'options'}: ${text}`);
  }
  return said;
}

describe('client types (the TypeScript compiler on calls of @async-jobs/client)', function () {
  // One compilation loads the Firebase SDK's declarations: a few seconds, more on a slow machine.
  this.timeout(120_000);
  let said: ReturnType<typeof compile>;

  before(() => {
    said = compile();
  });

  it('compiles calls with the input their task type names, and nothing else in the compilation fails', () => {
    assert.deepEqual(said.other, []);
    assert.deepEqual(said.appTasks, []);
    assert.deepEqual(said.typed, []);
  });

  it('types a job’s result by its task type, as waitForJob<Type> gives it', () => {
    assert.deepEqual(said.typedResult, []);
    assert.equal(said.wrongResult.length, 1, said.wrongResult.join('\n'));
    assert.match(said.wrongResult[0] ?? '', /^TS2322: Type 'string( \| undefined)?' is not assignable to type 'number/);
  });

  it('types watchJob<Type>’s result as that task’s, and narrows any job’s result by a check of its type', () => {
    assert.deepEqual(said.watchTyped, []);
    assert.deepEqual(said.narrowedByType, []);
    // Without the check, the result is any task's: a count is not known to be there.
    assert.equal(said.notNarrowed.length, 1, said.notNarrowed.join('\n'));
    assert.match(said.notNarrowed[0] ?? '', /^TS2339: Property 'count' does not exist on type/);
  });

  it('types an app’s own task from its definition (TaskTypesOf), input and all', () => {
    assert.deepEqual(said.appDefined, []);
    assert.equal(said.appDefinedWrong.length, 1, said.appDefinedWrong.join('\n'));
    assert.match(said.appDefinedWrong[0] ?? '', /^TS2322: Type 'string' is not assignable to type 'number'/);
  });

  it('refuses an input of the wrong type for its task, naming the field and the types', () => {
    assert.deepEqual(said.wrongFieldType, [
      "TS2322: Type 'string' is not assignable to type 'number'. " +
        "(The expected type comes from property 'worktime' which is declared here on type 'SleepInput')",
    ]);
    // The input is checked against the named task's own input type: another task's input is refused.
    assert.equal(said.anotherTasksInput.length, 1, said.anotherTasksInput.join('\n'));
    assert.match(said.anotherTasksInput[0] ?? '', /^TS2353: .*'worktime' does not exist in type 'PrimesInput'/);
  });

  it('types each job of a createJobs batch by its own task name, and refuses a wrong input or type there too', () => {
    assert.deepEqual(said.batchTyped, []);
    // The second item's input is checked against its own task's type (primes), not the first item's (sleep).
    assert.equal(said.batchWrongInput.length, 1, said.batchWrongInput.join('\n'));
    assert.match(said.batchWrongInput[0] ?? '', /^TS2322: .*'worktime' does not exist in type 'PrimesInput'/);
    assert.match(said.batchUnknownType[0] ?? '', /^TS2322: Type '"mine-bitcoin"' is not assignable to type /);
  });

  it('refuses a task type the contract does not name', () => {
    assert.deepEqual(said.unknownType, [
      `TS2345: Argument of type '"mine-bitcoin"' is not assignable to parameter of type 'keyof TaskTypes'.`,
    ]);
  });
});
