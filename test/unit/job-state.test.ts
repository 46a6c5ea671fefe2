/**
 * The job state machine: the transactions in job-store.ts trust canTransition() to keep a job from moving
 * backwards or leaving a terminal state, so every pair of states is checked here, allowed or not.
 */
import assert from 'node:assert/strict';
import { canTransition, isJobState, isTerminal, JOB_STATES, type JobState } from '../../functions/src/job/job-state';

/** The only moves the diagram in job-state.ts draws; every other pair must be refused. */
const ALLOWED: ReadonlyArray<readonly [JobState, JobState]> = [
  ['CREATED', 'RUNNING'],
  ['CREATED', 'FAILED'],
  ['CREATED', 'CANCELLED'],
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

    it('never allows a move back to CREATED', () => {
      for (const state of JOB_STATES) assert.equal(canTransition(state, 'CREATED'), false, state);
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
