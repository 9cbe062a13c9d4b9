/** One problem with an input, located by JSON path (`data.categories[2]`, `(root)`). */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}
