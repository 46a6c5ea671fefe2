/**
 * What @async-jobs/client publishes as its types: every declaration file its build writes (client/dist/types, by
 * `npm run build --workspace client`) may import only the client's own declaration files, @async-jobs/contract and
 * the Firebase JS SDK (`firebase/...`, its peer dependency). So an app that installs the client compiles against
 * nothing of the server, and needs none of its packages (firebase-admin, firebase-functions, zod).
 *
 * Needs the built client: `npm test` builds first; alone, run `npm run build` before.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = join(__dirname, '..', '..');
const clientDir = join(root, 'client');
const typesDir = join(clientDir, 'dist', 'types');

/** The package modules a client declaration may import: the contract and the Firebase JS SDK's entry points. */
const ALLOWED_PACKAGES = /^(@async-jobs\/contract|firebase\/[a-z][a-z-]*)$/;

/** One module a declaration file names, and how. */
interface ModuleReference {
  file: string;
  specifier: string;
  kind: string;
}

/**
 * Every module a declaration file names: imports and re-exports, `import x = require()`, `import("...")` types,
 * `declare module "..."` augmentations, and triple-slash references (files, type packages and libs).
 */
function referencesOf(file: string): ModuleReference[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: ModuleReference[] = [];
  const add = (specifier: string, kind: string) => found.push({ file, specifier, kind });
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) add(node.moduleSpecifier.text, 'import/export');
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expression = node.moduleReference.expression;
      if (ts.isStringLiteral(expression)) add(expression.text, 'import = require');
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      if (ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal))
        add(argument.literal.text, 'import()');
    } else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      add(node.name.text, 'declare module');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const reference of source.referencedFiles) add(reference.fileName, '/// <reference path>');
  for (const reference of source.typeReferenceDirectives) add(reference.fileName, '/// <reference types>');
  for (const reference of source.libReferenceDirectives) add(reference.fileName, '/// <reference lib>');
  return found;
}

/** The declaration files the client's build writes: one per module of client/src, at the same place. */
function ownDeclarations(): string[] {
  return readdirSync(join(clientDir, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(typesDir, file.replace(/\.ts$/, '.d.ts')))
    .sort();
}

/** Whether a relative specifier names one of the client's own declaration files. */
function namesOwnDeclaration(reference: ModuleReference): boolean {
  const base = resolve(dirname(reference.file), reference.specifier).replace(/\.(d\.ts|js|ts)$/, '');
  const own = ownDeclarations();
  return own.includes(`${base}.d.ts`) || own.includes(join(base, 'index.d.ts'));
}

/** Why the client may not publish this reference, or undefined if it may. */
function refusalOf(reference: ModuleReference): string | undefined {
  const { specifier, kind } = reference;
  if (kind === '/// <reference types>' || kind === '/// <reference lib>') return 'a type package or lib reference';
  if (specifier.startsWith('.')) {
    return namesOwnDeclaration(reference) ? undefined : 'a relative path to no declaration of a client/src module';
  }
  if (kind === '/// <reference path>') return 'a reference to a file outside the client';
  return ALLOWED_PACKAGES.test(specifier) ? undefined : 'a module other than @async-jobs/contract and firebase/...';
}

describe("client's built declarations (what @async-jobs/client publishes as its types)", () => {
  let files: string[];

  before(() => {
    const pkg = JSON.parse(readFileSync(join(clientDir, 'package.json'), 'utf8')) as { types: string };
    const entry = join(clientDir, pkg.types);
    if (!existsSync(entry)) {
      throw new Error(`${relative(root, entry)} is missing: run \`npm run build\` first (\`npm test\` does)`);
    }
    assert.equal(dirname(entry), typesDir, "the package's types entry is in client/dist/types");
    files = readdirSync(typesDir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.d.ts'))
      .map((file) => join(typesDir, file));
  });

  it('declares each module of client/src, and nothing else', () => {
    // A declaration file of anything else (a server module the client's sources reached, say) would be
    // published with the client: the package's files are all of dist/.
    assert.deepEqual(
      files.map((file) => relative(typesDir, file)).sort(),
      ownDeclarations().map((file) => relative(typesDir, file)),
    );
    const index = readFileSync(join(typesDir, 'index.d.ts'), 'utf8');
    for (const name of ['createJob', 'cancelJob', 'waitForJob', 'watchJob', 'watchMyJobs', 'TaskInput', 'Job']) {
      assert.match(index, new RegExp(`\\b${name}\\b`), `index.d.ts exports ${name}`);
    }
  });

  it('imports nothing but its own declaration files, @async-jobs/contract and firebase/...', () => {
    const references = files.flatMap(referencesOf);
    // The check must see the imports it exists for: the contract's types and the Firebase SDK's.
    assert.ok(
      references.some((r) => r.specifier === '@async-jobs/contract'),
      'the contract is imported',
    );
    assert.ok(
      references.some((r) => r.specifier === 'firebase/firestore'),
      'firebase/firestore is imported',
    );
    const refused = references.flatMap((reference) => {
      const why = refusalOf(reference);
      return why ? [`${relative(root, reference.file)}: ${reference.kind} '${reference.specifier}': ${why}`] : [];
    });
    assert.deepEqual(refused, [], `${files.length} declaration files, ${references.length} module references`);
  });

  it('names its own files with their .js extension, as an ES module package must for Node16/NodeNext resolution', () => {
    // The package is "type": "module": under `moduleResolution: nodenext` a relative import without its extension
    // resolves to nothing, and with skipLibCheck the app silently gets `any` for every type of the client.
    const relativeImports = files.flatMap(referencesOf).filter((r) => r.specifier.startsWith('.'));
    assert.ok(relativeImports.length > 0, 'the index re-exports the client modules');
    assert.deepEqual(
      relativeImports
        .filter((r) => !r.specifier.endsWith('.js'))
        .map((r) => `${relative(root, r.file)}: ${r.specifier}`),
      [],
    );
  });
});
