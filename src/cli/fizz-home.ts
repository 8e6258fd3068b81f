/** FIZZ_HOME and the agent's socket as the CLI sees them (same rule as the agent's). */
import { type HomePaths, homePaths, resolveFizzHome } from '../api/paths.js';

export function cliHomePaths(env: NodeJS.ProcessEnv = process.env): HomePaths {
  return homePaths(resolveFizzHome(env, process.getuid?.() ?? 1000));
}
