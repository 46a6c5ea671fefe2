import { getIdTokenResult, onAuthStateChanged, signInWithEmailAndPassword, signOut, type User } from 'firebase/auth';
import { connectFirebase, type FirebaseClients } from '../firebase-setup';
import { JobPanel } from './job-panel';
import { isOperator } from './operator-claim';
import { startOverview } from './overview-panels';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** What is on screen for the signed-in user: the sign-in form, the refusal, or the console. */
type View = 'sign-in' | 'not-operator' | 'console';

function showView(view: View): void {
  byId('sign-in').hidden = view !== 'sign-in';
  byId('not-operator').hidden = view !== 'not-operator';
  byId('console').hidden = view !== 'console';
  byId('sign-out').hidden = view === 'sign-in';
}

/**
 * Whether the user is an operator, from the claims of a fresh ID token (a claim granted since the last sign-in is
 * in it; one revoked may linger up to an hour in an old one, and the rules and functions then decide by that token).
 */
async function operator(user: User): Promise<boolean> {
  return isOperator((await getIdTokenResult(user, true)).claims);
}

/**
 * The console for an operator, nothing for anyone else: a user without the claim sees the refusal, and no query
 * runs (the rules would refuse them anyway).
 */
function watchUser({ auth, firestore, functions }: FirebaseClients): void {
  const who = byId('who');
  const panel = new JobPanel(firestore, functions);
  let stopOverview: (() => void) | undefined;
  onAuthStateChanged(auth, (user) => {
    stopOverview?.();
    stopOverview = undefined;
    panel.stop();
    if (!user) {
      who.textContent = 'Not signed in.';
      showView('sign-in');
      return;
    }
    who.textContent = `Signed in as ${user.email ?? user.uid}`;
    who.dataset.uid = user.uid;
    operator(user).then(
      (isOp) => {
        if (auth.currentUser !== user) return; // signed out or in as someone else meanwhile
        if (!isOp) return showView('not-operator');
        showView('console');
        stopOverview = startOverview(firestore, (id) => panel.select(id));
      },
      (e: unknown) => (who.textContent = `Could not read your claims: ${String(e)}`),
    );
  });
  byId<HTMLFormElement>('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const error = byId('sign-in-error');
    error.textContent = '';
    const email = byId<HTMLInputElement>('email').value;
    const password = byId<HTMLInputElement>('password').value;
    signInWithEmailAndPassword(auth, email, password).catch((e: unknown) => {
      error.textContent = `Could not sign in: ${(e as { code?: string }).code ?? String(e)}`;
    });
  });
  byId('sign-out').addEventListener('click', () => void signOut(auth));
}

connectFirebase().then(watchUser, (e: unknown) => {
  byId('who').textContent = `Could not start: ${e instanceof Error ? e.message : String(e)}`;
});
