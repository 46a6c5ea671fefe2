/**
 * The functions' params as functions/.env sets them, which the emulator suite's functions load: for a test whose
 * expectation follows a setting (the worker pool's capacity, a per-user limit) rather than a copy of its value.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DOTENV = join(__dirname, '..', '..', 'functions', '.env');

/** The value functions/.env gives `name`, as a string; fails loudly if the file does not set it. */
export function functionStringParam(name: string): string {
  const match = new RegExp(`^${name}=(.*)$`, 'm').exec(readFileSync(DOTENV, 'utf8'));
  const value = match?.[1]?.trim();
  if (!value) throw new Error(`functions/.env sets no ${name}`);
  return value;
}

/** The value functions/.env gives `name`, as a number; fails loudly if the file does not set it. */
export function functionParam(name: string): number {
  const match = new RegExp(`^${name}=(.*)$`, 'm').exec(readFileSync(DOTENV, 'utf8'));
  const value = Number(match?.[1]?.trim());
  if (!match || !Number.isFinite(value)) throw new Error(`functions/.env sets no number for ${name}`);
  return value;
}

/** How many jobs the standard pool runs at once: WORKER_MAX_INSTANCES x WORKER_CONCURRENCY. */
export function standardPoolCapacity(): number {
  return functionParam('WORKER_MAX_INSTANCES') * functionParam('WORKER_CONCURRENCY');
}
