/** A whole-number option, refused (exit 2, saying what was expected) when it is not one or out of range — never read as NaN or 0. */
import { InvalidArgumentError } from 'commander';

export function integerParser(least: number, most = Number.MAX_SAFE_INTEGER, example = String(Math.max(least, 1))): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!/^\s*-?\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < least || value > most) {
      throw new InvalidArgumentError(`expected a whole number ${most === Number.MAX_SAFE_INTEGER ? `of at least ${least}` : `from ${least} to ${most}`}, such as ${example}`);
    }
    return value;
  };
}
