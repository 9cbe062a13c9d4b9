/** A `--x <seconds>` option that may come from the environment: a malformed value there is refused as on the command line, never read as "off". */
import { InvalidArgumentError, Option } from 'commander';

/** `least`: the smallest allowed (a signing interval of 0 would sign without pause). */
export function secondsParser(least: number): (text: string) => number {
  return (text) => {
    const seconds = Number(text);
    if (text.trim() === '' || !Number.isFinite(seconds) || seconds < least) throw new InvalidArgumentError(`expected a number of seconds of at least ${least}, such as 3600`);
    return seconds;
  };
}

export function secondsOption(flags: string, description: string, env: string, seconds: number, least = 0): Option {
  return new Option(flags, description).env(env).argParser(secondsParser(least)).default(seconds);
}
