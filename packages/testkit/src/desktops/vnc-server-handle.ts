/** A VNC server started by the test kit on a private X display. */
export interface VncServerHandle {
  /** X display of the desktop, e.g. `:23`. */
  display: string;
  /** RFB port on 127.0.0.1. */
  port: number;
  /** `vnc://127.0.0.1:PORT` (the password is never part of the URL). */
  url: string;
  /** The VNC password, when the server requires one. */
  password?: string;
  width: number;
  height: number;
  /** Environment for X clients on this display (DISPLAY set). */
  env: NodeJS.ProcessEnv;
  /** Stops every process the fixture started and removes its files. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options shared by the VNC server fixtures. */
export interface VncServerOptions {
  /** VNC password; without it the server offers security type None. */
  password?: string;
  /** Screen size in pixels; default 1280×800. */
  size?: { width: number; height: number };
}
