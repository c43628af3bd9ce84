/** Where something is in the spec text: one position type, one conversion to BuildKit's. */

/** 1-based line and 1-based column. */
export interface Position {
  line: number;
  column: number;
}

export interface SourceRange {
  start: Position;
  end: Position;
}

/** BuildKit's pb.Range: 1-based lines, 0-based characters (never negative). */
export function toPbRange(range: SourceRange): { start: { line: number; character: number }; end: { line: number; character: number } } {
  return {
    start: { line: range.start.line, character: Math.max(range.start.column - 1, 0) },
    end: { line: range.end.line, character: Math.max(range.end.column - 1, 0) },
  };
}
