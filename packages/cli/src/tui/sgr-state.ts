// The SGR attributes in effect at some point of a styled string, so a string cut into rows can
// close its styles at the end of one row and re-open exactly them at the start of the next.

/** Active SGR attributes, updated from the parameters of each `ESC [ ... m` met in a string. */
export class SgrState {
  private bold = false;
  private dim = false;
  private italic = false;
  private underline: string | null = null;
  private blink = false;
  private inverse = false;
  private hidden = false;
  private strike = false;
  private overline = false;
  private fg: string | null = null;
  private bg: string | null = null;
  private underlineColor: string | null = null;

  /** Whether any attribute is set (a row cut here needs a reset at its end). */
  get active(): boolean {
    return this.bold || this.dim || this.italic || this.underline !== null || this.blink || this.inverse
      || this.hidden || this.strike || this.overline || this.fg !== null || this.bg !== null || this.underlineColor !== null;
  }

  /** Clears every attribute. */
  reset(): void {
    this.bold = false;
    this.dim = false;
    this.italic = false;
    this.underline = null;
    this.blink = false;
    this.inverse = false;
    this.hidden = false;
    this.strike = false;
    this.overline = false;
    this.fg = null;
    this.bg = null;
    this.underlineColor = null;
  }

  /** Applies the parameter string of one SGR sequence (the text between `ESC [` and `m`). */
  apply(params: string): void {
    if (params === '' || params === '0') { this.reset(); return; }
    if (params.length <= 3 && !params.includes(';') && !params.includes(':')) { this.applyCode(Number(params), params); return; }
    const parts = params.split(';');
    for (let k = 0; k < parts.length; k++) {
      const part = parts[k] ?? '';
      if (part.includes(':')) { this.applyColon(part); continue; }
      const n = part === '' ? 0 : Number(part);
      if (n === 38 || n === 48 || n === 58) {
        // Extended colour: 38;5;n (256 colours) or 38;2;r;g;b (truecolour).
        const mode = parts[k + 1];
        const take = mode === '5' ? 2 : mode === '2' ? 4 : 0;
        if (take === 0) { k += 1; continue; }
        const value = parts.slice(k, k + 1 + take).join(';');
        k += take;
        if (n === 38) this.fg = value;
        else if (n === 48) this.bg = value;
        else this.underlineColor = value;
        continue;
      }
      this.applyCode(n, part);
    }
  }

  private applyColon(part: string): void {
    const head = part.slice(0, part.indexOf(':'));
    if (head === '38') this.fg = part;
    else if (head === '48') this.bg = part;
    else if (head === '58') this.underlineColor = part;
    else if (head === '4') this.underline = part === '4:0' ? null : part;
  }

  private applyCode(n: number, part: string): void {
    switch (n) {
      case 0: this.reset(); return;
      case 1: this.bold = true; return;
      case 2: this.dim = true; return;
      case 3: this.italic = true; return;
      case 4: this.underline = '4'; return;
      case 5: case 6: this.blink = true; return;
      case 7: this.inverse = true; return;
      case 8: this.hidden = true; return;
      case 9: this.strike = true; return;
      case 21: this.underline = '21'; return;
      case 22: this.bold = false; this.dim = false; return;
      case 23: this.italic = false; return;
      case 24: this.underline = null; return;
      case 25: this.blink = false; return;
      case 27: this.inverse = false; return;
      case 28: this.hidden = false; return;
      case 29: this.strike = false; return;
      case 39: this.fg = null; return;
      case 49: this.bg = null; return;
      case 53: this.overline = true; return;
      case 55: this.overline = false; return;
      case 59: this.underlineColor = null; return;
      default:
        if ((n >= 30 && n <= 37) || (n >= 90 && n <= 97)) this.fg = part;
        else if ((n >= 40 && n <= 47) || (n >= 100 && n <= 107)) this.bg = part;
    }
  }

  /** One SGR sequence that re-creates the current attributes from a reset state ('' if none). */
  sequence(): string {
    const codes: string[] = [];
    if (this.bold) codes.push('1');
    if (this.dim) codes.push('2');
    if (this.italic) codes.push('3');
    if (this.underline !== null) codes.push(this.underline);
    if (this.blink) codes.push('5');
    if (this.inverse) codes.push('7');
    if (this.hidden) codes.push('8');
    if (this.strike) codes.push('9');
    if (this.overline) codes.push('53');
    if (this.fg !== null) codes.push(this.fg);
    if (this.bg !== null) codes.push(this.bg);
    if (this.underlineColor !== null) codes.push(this.underlineColor);
    return codes.length === 0 ? '' : `\x1b[${codes.join(';')}m`;
  }
}
