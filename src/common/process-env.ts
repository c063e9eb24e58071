/**
 * Some @actions/* clients (artifact, cache, tool-cache) read their settings only from
 * process.env. Stages get their environment passed in; this runs such a
 * client with the named variables taken from `env` (and only from it), then
 * puts process.env back.
 */
export async function withProcessEnv<T>(names: readonly string[], env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  const saved = new Map(names.map((k) => [k, process.env[k]]));
  for (const k of names) {
    if (env[k] === undefined) delete process.env[k];
    else process.env[k] = env[k];
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
