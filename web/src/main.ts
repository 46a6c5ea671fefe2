import { onAuthStateChanged, signInAnonymously } from 'firebase/auth';
import { connectFirebase } from './firebase-setup';
import { setUpJobForm } from './job-form';
import { setUpJobTable } from './job-table';

/** Signs in anonymously, then wires the form and the live table to the signed-in user. */
async function main(): Promise<void> {
  const who = document.getElementById('who') as HTMLElement;
  const { auth, firestore, functions } = await connectFirebase();
  setUpJobForm(functions);
  let stopTable: (() => void) | undefined;
  onAuthStateChanged(auth, (user) => {
    stopTable?.();
    stopTable = undefined;
    if (!user) {
      who.textContent = 'Not signed in.';
      return;
    }
    who.textContent = `Signed in anonymously as ${user.uid}`;
    who.dataset.uid = user.uid;
    stopTable = setUpJobTable(firestore, functions, user.uid);
  });
  if (!auth.currentUser) await signInAnonymously(auth);
}

main().catch((e: unknown) => {
  const who = document.getElementById('who') as HTMLElement;
  who.textContent = `Could not start: ${e instanceof Error ? e.message : String(e)}`;
});
