// The part of the Socket.IO 2 client (npm `socket.io-client@2`, aliased `socket.io-client-v2`)
// the compatibility test uses; the package ships no types.
declare module 'socket.io-client-v2' {
  interface V2Options {
    path?: string;
    query?: Record<string, string>;
    transports?: string[];
    reconnection?: boolean;
    forceNew?: boolean;
  }

  interface V2Socket {
    readonly connected: boolean;
    on(event: string, listener: (...args: never[]) => void): this;
    once(event: string, listener: (...args: never[]) => void): this;
    emit(event: string, ...args: unknown[]): this;
    close(): this;
  }

  export default function io(url: string, options?: V2Options): V2Socket;
}
