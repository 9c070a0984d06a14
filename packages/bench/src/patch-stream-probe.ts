/**
 * How many hunks of a streamed apply_patch text are complete: a hunk (an `@@` section of an
 * Update, the lines of an Update without one, or an Add/Delete file section) is complete once
 * the next `@@` or `***` line has started, since only then is it known that no more of its lines
 * follow. Reads partial text: a last line without its newline counts once its first characters
 * name a header. `*** End of File` belongs to the hunk it ends.
 */
export function completeHunks(text: string): number {
  let complete = 0;
  let open = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('*** End of File')) continue;
    if (line.startsWith('@@') || line.startsWith('***')) {
      if (open) complete += 1;
      open = line.startsWith('@@') || line.startsWith('*** Add File: ') || line.startsWith('*** Delete File: ');
      continue;
    }
    // An update's change lines may come without an `@@` before them.
    if (!open && /^[-+ ]/.test(line)) open = true;
  }
  return complete;
}
