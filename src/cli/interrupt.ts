/**
 * Ctrl+C while `fizz up` is attached, as docker compose does it: the first stops the project
 * gracefully ("Gracefully stopping... (press Ctrl+C again to force)"), the second kills its
 * containers at once, a third leaves without waiting for anything.
 */
export type InterruptStage = 'running' | 'stopping' | 'forcing';

export interface UpInterruptHooks {
  /** The first Ctrl+C: stop following the logs; the caller then stops the project. */
  graceful(): void;
  /** The second: kill the containers being stopped (resolves when the engine has been asked). */
  force(): Promise<void>;
  /** The third: give up waiting. */
  exit(): void;
  say(text: string): void;
}

export class UpInterrupt {
  stage: InterruptStage = 'running';
  /** The kill the second Ctrl+C started, to wait for before reporting. */
  forcing: Promise<void> | undefined;

  constructor(private readonly hooks: UpInterruptHooks) {}

  /** The SIGINT listener. */
  readonly onSignal = (): void => {
    switch (this.stage) {
      case 'running':
        this.stage = 'stopping';
        this.hooks.say('Gracefully stopping... (press Ctrl+C again to force)\n');
        this.hooks.graceful();
        return;
      case 'stopping':
        this.stage = 'forcing';
        this.hooks.say('Killing the containers... (press Ctrl+C again to leave at once)\n');
        this.forcing = this.hooks.force().catch((err: Error) => this.hooks.say(`error: ${err.message}\n`));
        return;
      default:
        this.hooks.exit();
    }
  };
}
