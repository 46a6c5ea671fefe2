import { defineConfig } from 'vite';

// The app is static: Firebase Hosting (and its emulator) serves web/dist, and /__/firebase/init.json gives it
// the project's config, so the same build runs on the emulator suite and in production.
// Two pages: the app (index.html) and the operator console (admin.html, served at /admin by firebase.json's rewrite).
export default defineConfig({
  // One chunk of ~540 kB (160 kB gzipped): the Firebase Auth, Firestore and Functions SDKs, once each.
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 700,
    rollupOptions: { input: { app: 'index.html', admin: 'admin.html' } },
  },
});
