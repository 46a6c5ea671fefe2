/**
 * `GET /{id}:wait` whose client goes away: the response closes before anything was written, and the wait ends at
 * once, its listener stopped and its place among the owner's MAX_WAITS_PER_USER given back, instead of holding them
 * until its timeout for nobody.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { sleep } from '../../../library/src/core/ports/clock';
import { defineTask } from '../../../library/src/core/tasks/task';
import { callHttpApi, httpApiDeps, httpRequest } from './http-calls';
import { OWNER, workerSimulation } from './worker-simulation';

describe('a :wait whose client goes away (simulated time)', () => {
  it('ends at once and gives its place back; a wait whose client stays answers at its timeout', async () => {
    const sim = workerSimulation((clock) => [
      defineTask({
        type: 'test.work',
        input: z.strictObject({}),
        run: async (_input, { signal }) => {
          await sleep(clock, 300_000, signal);
          return 'done';
        },
      }),
    ]);
    const deps = httpApiDeps(sim, OWNER);
    const id = await sim.create('test.work', {});
    await sim.clock.advance(1_000);

    const wait = (response: EventEmitter & { writableEnded: boolean }) => {
      const req = Object.assign(httpRequest('GET', `/${id}:wait`), { res: response, query: { timeout: '60s' } });
      return callHttpApi(req, deps);
    };
    const goneResponse = Object.assign(new EventEmitter(), { writableEnded: false });
    const stayingResponse = Object.assign(new EventEmitter(), { writableEnded: false });
    let goneAnswered = false;
    let stayingAnswered = false;
    const gone = wait(goneResponse).then((answer) => ((goneAnswered = true), answer));
    const staying = wait(stayingResponse).then((answer) => ((stayingAnswered = true), answer));
    await sim.clock.advance(1_000);
    assert.equal(Object.keys(sim.waitPlaces()).length, 2, 'two waits hold two places');

    goneResponse.emit('close');
    await sim.clock.advance(1_000);
    assert.equal(goneAnswered, true, 'the wait of the client that went away ended');
    assert.equal((await gone).status, 200);
    assert.equal(Object.keys(sim.waitPlaces()).length, 1, 'and gave its place back');
    assert.equal(stayingAnswered, false, 'the other one still waits');

    await sim.clock.advance(60_000);
    assert.equal(stayingAnswered, true);
    assert.equal((await staying).status, 200);
    assert.equal(Object.keys(sim.waitPlaces()).length, 0);
  });
});
