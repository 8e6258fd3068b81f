/** What the loader needs from its caller: the docker compose global options and the world. */
export interface LoadOptions {
  /** `-f/--file`, in order; `-` reads standard input. Empty or absent: discover. */
  files?: string[];
  /** `-p/--project-name`. */
  projectName?: string;
  /** `--project-directory`; default: the directory of the first file. */
  projectDirectory?: string;
  /** `--env-file`, repeatable; default: `.env` in the project directory. */
  envFiles?: string[];
  /** `--profile`, repeatable; adds to `COMPOSE_PROFILES`. */
  profiles?: string[];
  /** The process environment (wins over `.env`). */
  env: Record<string, string | undefined>;
  /** The working directory to resolve relative paths and to discover from. */
  cwd: string;
  /** Reads standard input, for `-f -`. */
  stdin?: () => Promise<string>;
  /** Receives warnings such as an unset variable used without a default (each once). */
  warn?: (message: string) => void;
}
