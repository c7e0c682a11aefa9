/** One piece of the local infrastructure that `mfinfra` starts, stops and reports on. */
export interface Component {
  name: string;
  /** `host:port` it serves on. */
  address: string;
  /** Whether it answers (not merely whether a process exists). */
  answers(): Promise<boolean>;
  /** Starts it and resolves once it answers. */
  start(): Promise<void>;
  /** Stops it and resolves once it is gone. */
  stop(): Promise<void> | void;
}
