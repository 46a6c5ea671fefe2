/**
 * The job state machine: the transactions in job-store.ts trust canTransition() to keep a job from leaving a
 * terminal state or being re-claimed while it runs, so every pair of states is checked here, allowed or not.
 * The one move backwards is RUNNING → CREATED: a transient failure or a lost lease queues another attempt.
 */
import assert from 'node:assert/strict';
import type { JobState } from '@async-jobs/contract';
import { canTransition, isJobState, isTerminal, JOB_STATES } from '../../library/src/core/job-states';

/** The only moves the diagram in job-state.ts draws; every other pair must be refused. */
const ALLOWED: ReadonlyArray<readonly [JobState, JobState]> = [
  ['CREATED', 'RUNNING'],
  ['CREATED', 'FAILED'],
  ['CREATED', 'CANCELLED'],
  // A retry: a transient failure or an expired lease re-queues the job.
  ['RUNNING', 'CREATED'],
  ['RUNNING', 'COMPLETED'],
  ['RUNNING', 'FAILED'],
  ['RUNNING', 'CANCELLED'],
];

function isAllowed(from: JobState, to: JobState): boolean {
  return ALLOWED.some(([a, b]) => a === from && b === to);
}

describe('job-state', () => {
  describe('canTransition', () => {
    for (const from of JOB_STATES) {
      for (const to of JOB_STATES) {
        const allowed = isAllowed(from, to);
        it(`${allowed ? 'allows' : 'forbids'} ${from} → ${to}`, () => {
          assert.equal(canTransition(from, to), allowed);
        });
      }
    }

    it('never allows a state to move to itself (a duplicate delivery must not re-claim a RUNNING job)', () => {
      for (const state of JOB_STATES) assert.equal(canTransition(state, state), false, state);
    });

    it('allows a move back to CREATED only from RUNNING (a retry), never from a terminal state', () => {
      const into = JOB_STATES.filter((state) => canTransition(state, 'CREATED'));
      assert.deepEqual(into, ['RUNNING']);
      for (const state of JOB_STATES.filter(isTerminal)) assert.equal(canTransition(state, 'CREATED'), false, state);
    });

    it('never lets a terminal state move anywhere', () => {
      for (const from of JOB_STATES.filter(isTerminal)) {
        for (const to of JOB_STATES) assert.equal(canTransition(from, to), false, `${from} → ${to}`);
      }
    });

    it('cannot reach CREATED from a terminal state by any path (a done job is never retried)', () => {
      for (const start of ['COMPLETED', 'FAILED', 'CANCELLED'] as const) {
        const reached = new Set<JobState>([start]);
        const queue: JobState[] = [start];
        for (let from = queue.shift(); from !== undefined; from = queue.shift()) {
          for (const to of JOB_STATES) {
            if (canTransition(from, to) && !reached.has(to)) {
              reached.add(to);
              queue.push(to);
            }
          }
        }
        assert.deepEqual([...reached], [start], start);
      }
    });
  });

  describe('isTerminal', () => {
    const terminal: readonly JobState[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

    for (const state of JOB_STATES) {
      const expected = terminal.includes(state);
      it(`says ${state} is ${expected ? '' : 'not '}terminal`, () => {
        assert.equal(isTerminal(state), expected);
      });
    }

    it('agrees with canTransition: a terminal state has no way out, a live one has one', () => {
      for (const from of JOB_STATES) {
        const exits = JOB_STATES.filter((to) => canTransition(from, to));
        assert.equal(isTerminal(from), exits.length === 0, from);
      }
    });
  });

  describe('isJobState', () => {
    for (const state of JOB_STATES) {
      it(`accepts "${state}"`, () => {
        assert.equal(isJobState(state), true);
      });
    }

    // What a corrupted or foreign document could hold in its `state` field, including the seed's ints.
    const notStates: ReadonlyArray<readonly [string, unknown]> = [
      ['lower case "running"', 'running'],
      ['the empty string', ''],
      ['a padded name', ' CREATED'],
      ['an unknown name', 'PENDING'],
      ['a number (the seed stored ints)', 1],
      ['null', null],
      ['undefined', undefined],
      ['an array holding a state', ['CREATED']],
      ['an object', { state: 'CREATED' }],
      ['a boxed string', Object('CREATED')],
    ];
    for (const [name, value] of notStates) {
      it(`rejects ${name}`, () => {
        assert.equal(isJobState(value), false);
      });
    }
  });
});
