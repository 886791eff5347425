/** One schema step. Versions start at 1 and increase by one; `sql` runs inside the start-up transaction. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}
