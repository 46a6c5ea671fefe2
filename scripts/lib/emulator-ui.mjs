// @ts-check
/**
 * Whether `npm start` can show the Emulator UI. firebase-tools downloads the UI on first use and fails to start
 * the suite when it cannot; on a machine without internet the suite starts without it instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The UI firebase-tools would run, as its own downloadableEmulatorInfo.json and cache directory say.
 * @param {string} projectDir
 */
function uiDownload(projectDir) {
  const infoPath = join(
    projectDir,
    'node_modules',
    'firebase-tools',
    'lib',
    'emulator',
    'downloadableEmulatorInfo.json',
  );
  /** @type {unknown} */
  const parsed = JSON.parse(readFileSync(infoPath, 'utf8'));
  const info = /** @type {{ ui: { main: { remoteUrl: string, downloadPathRelativeToCacheDir: string } } }} */ (parsed);
  const cacheDir = process.env.FIREBASE_EMULATORS_PATH || join(homedir(), '.cache', 'firebase', 'emulators');
  return { url: info.ui.main.remoteUrl, cached: join(cacheDir, info.ui.main.downloadPathRelativeToCacheDir) };
}

/**
 * Resolves with undefined when the UI is cached or its download answers within 3 s, else with why not.
 * @param {string} projectDir
 * @returns {Promise<string | undefined>}
 */
export async function emulatorUiUnavailable(projectDir) {
  const { url, cached } = uiDownload(projectDir);
  if (existsSync(cached)) return undefined;
  try {
    const response = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(3000) });
    return response.ok ? undefined : `its download answered ${response.status}`;
  } catch {
    return 'it is not cached and its download cannot be reached';
  }
}
