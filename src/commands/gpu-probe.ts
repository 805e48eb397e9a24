import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import type { AdapterKind } from '../gpu/device.js';
import { packagePath } from '../version.js';

const KINDS: readonly string[] = ['hardware', 'software', 'none'];
let asked: Promise<AdapterKind | null> | null = null;

/**
 * An AdapterProbe (gpu/device.ts): what Dawn's default backend finds, asked once of a child process
 * whose stderr is dropped. Dawn, Mesa and the Vulkan loader print what they think of the adapters
 * they pass over (lavapipe's missing features, a missing XDG_RUNTIME_DIR) straight to the process's
 * stderr, where a command that only wondered whether there is a GPU must stay quiet. Null where the
 * child could not tell (it failed, or ran past a minute).
 */
export function probeInChild(): Promise<AdapterKind | null> {
  asked ??= new Promise((resolve) => {
    // the compiled module, wherever this one runs from (dist/commands, dist/bundle.js, src/commands in the tests)
    const device = pathToFileURL(packagePath('dist', 'gpu', 'device.js')).href;
    const script = `import(${JSON.stringify(device)}).then(async (m) => { process.stdout.write(await m.probeDefaultAdapter()); process.exit(0); }, () => process.exit(1));`;
    execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000, windowsHide: true }, (err, stdout) =>
      resolve(!err && KINDS.includes(stdout) ? (stdout as AdapterKind) : null),
    );
  });
  return asked;
}
