import { readFileSync } from 'node:fs';

/** Clock ticks per second in /proc/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * The CPU time the whole machine has spent busy since boot, in seconds, from /proc/stat (every process: the
 * emulators, the Functions emulator's workers, the bench itself); undefined where there is no /proc/stat. The
 * difference of two readings is the CPU a stretch of the run cost, whichever processes spent it.
 */
export function machineBusySeconds(): number | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  // cpu  user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait.
  const [user, nice, system, , , irq, softirq, steal] = (stat.split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = [user, nice, system, irq, softirq, steal].reduce<number>((sum, n) => sum + (n ?? 0), 0);
  return Number.isFinite(busy) ? busy / TICKS_PER_SECOND : undefined;
}
