// @ts-check
/**
 * Counts billable operations in every Node process of a bench run: preloaded with `node --require` through
 * NODE_OPTIONS (scripts/emulators.mjs --preload), so it sits in the bench client, the firebase CLI and every
 * Functions emulator worker process alike.
 *
 * It cannot miss a call: every Firestore and Pub/Sub client in Node (Admin SDK, the web SDK's Node build,
 * @google-cloud/pubsub) speaks gRPC through @grpc/grpc-js, which opens its connections with node:http2's
 * `connect`. Wrapping `connect` sees every RPC and every message of it, whichever copy of grpc-js made it; the
 * gRPC messages are read with a few lines of protobuf wire format, for the fields billing counts:
 *
 *   Firestore Commit / Write request   each write in `writes`: a write (a delete when it is one)
 *   BatchGetDocuments response         each `found` or `missing` document: a read
 *   RunQuery response                  each `document`: a read; a query that returns none: one read
 *   RunAggregationQuery                one read per call (up to 1000 index entries, more than we ever count)
 *   Listen request                     each query target added: a read (a query listener pays one at its start,
 *                                      the minimum a query is charged, which one whose first answer is empty, as a
 *                                      worker's cancel listener, pays alone; document targets pay per document)
 *   Listen response                    each `document_change`: a read (listeners pay per document sent)
 *   Pub/Sub Publish request            each message in `messages`: a publish
 *
 * Function invocations are counted where they arrive: the `request` events of the HTTP server in each Functions
 * emulator worker process (FUNCTION_TARGET names its function), with their duration.
 *
 * Counts are kept in memory and appended as one JSON line per process every 250 ms (and at exit) to the file
 * in ASYNC_JOBS_OPS_LOG, so counting costs the measured processes almost nothing.
 */
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const http2 = require('node:http2');
const path = require('node:path');

const logFile = process.env.ASYNC_JOBS_OPS_LOG;
if (logFile) install(logFile);

/** @param {string} file */
function install(file) {
  const role = process.env.FUNCTION_TARGET ?? 'client';
  fs.mkdirSync(path.dirname(file), { recursive: true });
  /** @type {Map<string, number>} */
  const counts = new Map();
  /** @param {string} key @param {number} n */
  const add = (key, n) => {
    if (n !== 0) counts.set(key, (counts.get(key) ?? 0) + n);
  };
  const flush = () => {
    if (counts.size === 0) return;
    const line = JSON.stringify({ t: Date.now(), pid: process.pid, role, counts: Object.fromEntries(counts) });
    counts.clear();
    fs.appendFileSync(file, `${line}\n`);
  };
  setInterval(flush, 250).unref();
  process.on('exit', flush);

  const connect = http2.connect;
  // grpc-js calls connect(authority, options); both forms pass through unchanged.
  http2.connect = /** @type {typeof http2.connect} */ (
    (
      /** @type {string | URL} */ authority,
      /** @type {http2.SecureClientSessionOptions | undefined} */ options,
      /** @type {Parameters<typeof http2.connect>[2]} */ listener,
    ) => {
      const session = connect(authority, options, listener);
      const request = session.request.bind(session);
      session.request = (headers, requestOptions) => {
        const stream = request(headers, requestOptions);
        const rpcPath =
          headers && !Array.isArray(headers) ? /** @type {http2.OutgoingHttpHeaders} */ (headers)[':path'] : '';
        const counter = rpcCounter(String(rpcPath ?? ''), add);
        if (counter) tapStream(stream, counter, () => add('opcounter.unparsedStreams', 1));
        return stream;
      };
      return session;
    }
  );

  // Each Functions emulator worker process serves its function's invocations from one HTTP server (express's
  // app.listen, which calls http.createServer(app)).
  if (process.env.FUNCTION_TARGET) {
    const createServer = http.createServer;
    http.createServer = /** @type {typeof http.createServer} */ (
      (
        /** @type {http.ServerOptions | http.RequestListener} */ first,
        /** @type {http.RequestListener | undefined} */ listener,
      ) => {
        const server = typeof first === 'function' ? createServer(first) : createServer(first, listener);
        server.on('request', (/** @type {http.IncomingMessage} */ req, /** @type {http.ServerResponse} */ res) => {
          // The emulator checks each new worker process with GET /__/health: not an invocation.
          if (req.url === '/__/health') return;
          const started = performance.now();
          add('invocations', 1);
          res.once('finish', () => {
            const ms = performance.now() - started;
            add('invocationMs', ms);
            // Cloud Run bills each request's time rounded up to the next 100 ms.
            add('invocationBilledMs', Math.ceil(ms / 100) * 100);
          });
        });
        return server;
      }
    );
  }
}

/**
 * What to count for one RPC, by its path; undefined for RPCs that cost nothing we count.
 * @param {string} path e.g. /google.firestore.v1.Firestore/Commit
 * @param {(key: string, n: number) => void} add
 * @returns {{ request?: (m: Buffer) => void, response?: (m: Buffer) => void, end?: () => void } | undefined}
 */
function rpcCounter(path, add) {
  const method = path.split('/').pop() ?? '';
  const countWrites = (/** @type {number} */ field) => (/** @type {Buffer} */ m) => {
    for (const write of fieldsOf(m, field)) {
      // Write: update = 1, delete = 2, transform = 6.
      const deletes = [...fieldsOf(write, 2)].length > 0;
      add(deletes ? 'firestore.deletes' : 'firestore.writes', 1);
    }
  };
  if (path.startsWith('/google.firestore.v1.Firestore/')) {
    add(`rpc.${method}`, 1);
    switch (method) {
      case 'Commit':
        return { request: countWrites(2) };
      case 'Write':
        return { request: countWrites(3) };
      case 'BatchGetDocuments':
        return { response: (m) => add('firestore.reads', [...fieldsOf(m, 1), ...fieldsOf(m, 2)].length) };
      case 'RunQuery': {
        let documents = 0;
        return {
          response: (m) => (documents += [...fieldsOf(m, 1)].length),
          end: () => add('firestore.reads', Math.max(1, documents)),
        };
      }
      case 'RunAggregationQuery':
        add('firestore.reads', 1);
        return undefined;
      case 'Listen':
        return {
          // ListenRequest.add_target (2) holding a Target.query (2).
          request: (m) => {
            for (const target of fieldsOf(m, 2)) if ([...fieldsOf(target, 2)].length > 0) add('firestore.reads', 1);
          },
          response: (m) => add('firestore.reads', [...fieldsOf(m, 3)].length),
        };
      default:
        return undefined;
    }
  }
  if (path === '/google.pubsub.v1.Publisher/Publish') {
    add('rpc.Publish', 1);
    return { request: (m) => add('pubsub.publishes', [...fieldsOf(m, 2)].length) };
  }
  return undefined;
}

/**
 * Splits both directions of a gRPC stream into messages (1 byte compressed flag, 4 bytes length, body). A direction
 * whose bytes do not parse (the Firestore emulator now and then sends a Listen response with broken framing,
 * firebase-tools#8654) is reported once through `unparsed` and no longer counted: its message boundaries are lost,
 * and the process it runs in (a test client, a function) must go on as it would without the counter.
 * @param {http2.ClientHttp2Stream} stream
 * @param {{ request?: (m: Buffer) => void, response?: (m: Buffer) => void, end?: () => void }} counter
 * @param {() => void} unparsed
 */
function tapStream(stream, counter, unparsed) {
  /** @param {(m: Buffer) => void} onMessage */
  const guarded = (onMessage) => {
    const framer = messageFramer(onMessage);
    let broken = false;
    return (/** @type {Buffer} */ chunk) => {
      if (broken) return;
      try {
        framer(chunk);
      } catch {
        broken = true;
        unparsed();
      }
    };
  };
  if (counter.request) {
    const framer = guarded(counter.request);
    const write = stream.write.bind(stream);
    // grpc-js writes each message as write(buffer, callback); Writable takes a callback in the encoding's place.
    stream.write = /** @type {typeof stream.write} */ (
      (
        /** @type {Buffer} */ chunk,
        /** @type {BufferEncoding} */ encoding,
        /** @type {((error: Error | null | undefined) => void) | undefined} */ callback,
      ) => {
        if (Buffer.isBuffer(chunk)) framer(chunk);
        return write(chunk, encoding, callback);
      }
    );
  }
  if (counter.response) stream.on('data', guarded(counter.response));
  const end = counter.end;
  if (end) stream.once('close', end);
}

/** @param {(m: Buffer) => void} onMessage */
function messageFramer(onMessage) {
  /** @type {Buffer} */
  let pending = Buffer.alloc(0);
  return (/** @type {Buffer} */ chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 5) {
      const length = pending.readUInt32BE(1);
      if (pending.length < 5 + length) break;
      // grpc-js does not compress unless asked to; a compressed message would be counted as empty, so say so.
      if (pending[0] !== 0) throw new Error('op-counter: compressed gRPC message');
      onMessage(pending.subarray(5, 5 + length));
      pending = pending.subarray(5 + length);
    }
  };
}

/**
 * The length-delimited values of field `wanted` in a protobuf message (wire format, no schema needed).
 * @param {Buffer} message
 * @param {number} wanted
 * @returns {Generator<Buffer>}
 */
function* fieldsOf(message, wanted) {
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 1; ; shift *= 128) {
      const byte = message[at++];
      if (byte === undefined) throw new Error('op-counter: truncated protobuf');
      value += (byte & 0x7f) * shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < message.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    switch (tag & 7) {
      case 0:
        varint();
        break;
      case 1:
        at += 8;
        break;
      case 2: {
        const length = varint();
        if (field === wanted) yield message.subarray(at, at + length);
        at += length;
        break;
      }
      case 5:
        at += 4;
        break;
      default:
        throw new Error(`op-counter: unexpected wire type in field ${field}`);
    }
  }
}
