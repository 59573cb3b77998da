/** A rectangle header of a FramebufferUpdate (RFC 6143 §7.6.1). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
  encoding: number;
}
