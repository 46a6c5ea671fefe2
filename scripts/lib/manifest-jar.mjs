// @ts-check
/**
 * Writes a tiny jar (a zip holding only META-INF/MANIFEST.MF) whose manifest names a Main-Class and a
 * Class-Path. The Cloud SDK's Firestore emulator jar has no Main-Class, and firebase-tools starts it with
 * `java -jar`, so we hand firebase-tools this launcher jar instead (see DEVELOPERS.md, "The machine").
 * Written with Node alone so a machine with a JRE but no `jar` tool works too.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';

/**
 * Folds a manifest header to the jar spec's 72-byte lines (continuations start with one space). ASCII only.
 * @param {string} header
 */
export function foldManifestLine(header) {
  // Folding cuts at byte offsets, which is only safe for ASCII; file URLs percent-encode everything else.
  if (!/^[\x20-\x7e]*$/.test(header)) throw new Error(`manifest header is not printable ASCII: ${header}`);
  const bytes = Buffer.from(header, 'utf8');
  const lines = [bytes.subarray(0, 72).toString('utf8')];
  for (let at = 72; at < bytes.length; at += 71) lines.push(' ' + bytes.subarray(at, at + 71).toString('utf8'));
  return lines.join('\r\n') + '\r\n';
}

/**
 * @param {string} mainClass
 * @param {string[]} classPath absolute paths of the jars to put on the class path
 */
export function manifestText(mainClass, classPath) {
  return (
    foldManifestLine('Manifest-Version: 1.0') +
    foldManifestLine(`Main-Class: ${mainClass}`) +
    foldManifestLine(`Class-Path: ${classPath.map((p) => pathToFileURL(p).href).join(' ')}`) +
    '\r\n'
  );
}

/**
 * One stored (uncompressed) entry zip; enough for a manifest-only jar.
 * @param {string} name
 * @param {Buffer} content
 */
function storedZip(name, content) {
  const fileName = Buffer.from(name, 'utf8');
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4); // version needed
  local.writeUInt16LE(0x0800, 6); // UTF-8 names
  local.writeUInt16LE(0, 8); // stored
  local.writeUInt32LE(0, 10); // DOS time/date: 1980-01-01, so the jar is byte-for-byte reproducible
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(content.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  local.writeUInt16LE(0, 28);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(10, 6);
  central.writeUInt16LE(0x0800, 8);
  central.writeUInt16LE(0, 10);
  central.writeUInt32LE(0, 12);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(content.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  // extra, comment, disk, internal attrs, external attrs, local header offset: all 0
  const localPart = Buffer.concat([local, fileName, content]);
  const centralPart = Buffer.concat([central, fileName]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralPart.length, 12);
  end.writeUInt32LE(localPart.length, 16);
  return Buffer.concat([localPart, centralPart, end]);
}

/**
 * @param {string} jarPath where to write the launcher jar
 * @param {string} mainClass
 * @param {string[]} classPath
 */
export function writeManifestJar(jarPath, mainClass, classPath) {
  writeFileSync(jarPath, storedZip('META-INF/MANIFEST.MF', Buffer.from(manifestText(mainClass, classPath), 'utf8')));
}
