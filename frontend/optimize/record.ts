/** What a package layer holds, as the inspect step reads it from the RECORD files (PEP 376 / PEP 627) in it. */

export interface DistContents {
  /** Bytes of the files RECORD gives a size for. */
  size: number;
  /** How many files it holds. */
  count: number;
  /**
   * Its files that another package layer laid out with it also writes, below / and normalized
   * ("opt/venv/lib/python3.11/site-packages/nvidia/__init__.py"): what ties layers together.
   */
  shared: string[];
}
