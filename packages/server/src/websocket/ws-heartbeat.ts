import type { WebSocket } from 'ws';
import { NOT_READING_CLOSE_GRACE_MS } from './ws-frame-writer.js';

/** Pings without a pong after which the peer counts as gone. */
const MAX_MISSED_PONGS = 2;

export interface WsHeartbeatOptions {
  pingIntervalMs: number;
  /** Control frames (ping, pong) a peer may send per window before it is closed with 1008. */
  maxControlFrames: number;
  controlFrameWindowMs: number;
}

/**
 * A connection's liveness and control frames: pings the peer every interval and drops it after
 * two unanswered pings; answers its pings, one pong per burst (RFC 6455 §5.5.3); closes it with
 * 1008 when it sends more control frames than the limit allows. Other connections are not
 * affected. `stop` (on close) clears its timer and listeners.
 */
export class WsHeartbeat {
  private readonly timer: NodeJS.Timeout;
  private missedPongs = 0;
  /** Control frames received in the current window, and when that window started. */
  private controlFrames = 0;
  private windowStart = 0;
  /** Payload of the latest unanswered ping; one pong per tick answers a burst. */
  private pendingPong: Buffer | undefined;
  private readonly onPong = (): void => {
    this.missedPongs = 0;
    this.countControlFrame();
  };

  private readonly onPing = (data: Buffer): void => {
    if (this.countControlFrame()) this.answerPing(data);
  };

  constructor(private readonly ws: WebSocket, private readonly options: WsHeartbeatOptions, private readonly isOpen: () => boolean) {
    this.timer = setInterval(() => this.beat(), options.pingIntervalMs);
    this.timer.unref();
    ws.on('pong', this.onPong);
    ws.on('ping', this.onPing);
  }

  stop(): void {
    clearInterval(this.timer);
    this.ws.off('pong', this.onPong);
    this.ws.off('ping', this.onPing);
  }

  private beat(): void {
    if (!this.isOpen()) return;
    if (this.missedPongs >= MAX_MISSED_PONGS) {
      this.ws.terminate();
      return;
    }
    this.missedPongs += 1;
    this.ws.ping();
  }

  /**
   * Counts one control frame against `maxControlFrames` per window; past the limit the connection
   * is closed with 1008 and false is returned.
   */
  private countControlFrame(): boolean {
    if (!this.isOpen()) return false;
    const now = Date.now();
    if (now - this.windowStart >= this.options.controlFrameWindowMs) {
      this.windowStart = now;
      this.controlFrames = 0;
    }
    this.controlFrames += 1;
    if (this.controlFrames <= this.options.maxControlFrames) return true;
    this.ws.close(1008, 'too many control frames');
    // A flooder need not answer the close frame: do not hold its socket for ws's 30 s close timeout.
    setTimeout(() => this.ws.terminate(), NOT_READING_CLOSE_GRACE_MS).unref();
    return false;
  }

  /** Answers only the latest ping of a burst, once the frames parsed in this tick are handled. */
  private answerPing(data: Buffer): void {
    const scheduled = this.pendingPong !== undefined;
    this.pendingPong = data;
    if (scheduled) return;
    setImmediate(() => {
      const payload = this.pendingPong;
      this.pendingPong = undefined;
      if (payload !== undefined && this.isOpen()) this.ws.pong(payload);
    });
  }
}
