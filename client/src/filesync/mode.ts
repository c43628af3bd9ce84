/** File modes as Go's os.FileMode, the form fsutil's Stat.mode carries. */
import { constants } from "node:fs";

export const GO_DIR = 0x80000000;
export const GO_SYMLINK = 0x08000000;
const GO_DEVICE = 0x04000000;
const GO_NAMED_PIPE = 0x02000000;
const GO_CHAR_DEVICE = 0x00200000;
const GO_SETUID = 0x00800000;
const GO_SETGID = 0x00400000;
const GO_STICKY = 0x00100000;

/** Go FileMode bits of a POSIX st_mode, or undefined for a socket (never sent). */
export function goFileMode(stMode: number): number | undefined {
  let mode = stMode & 0o777;
  if (stMode & 0o4000) mode |= GO_SETUID;
  if (stMode & 0o2000) mode |= GO_SETGID;
  if (stMode & 0o1000) mode |= GO_STICKY;
  switch (stMode & constants.S_IFMT) {
    case constants.S_IFREG:
      break;
    case constants.S_IFDIR:
      mode |= GO_DIR;
      break;
    case constants.S_IFLNK:
      mode |= GO_SYMLINK;
      break;
    case constants.S_IFIFO:
      mode |= GO_NAMED_PIPE;
      break;
    case constants.S_IFBLK:
      mode |= GO_DEVICE;
      break;
    case constants.S_IFCHR:
      mode |= GO_DEVICE | GO_CHAR_DEVICE;
      break;
    default:
      return undefined;
  }
  // `>>> 0` keeps bit 31 (directories) an unsigned uint32.
  return mode >>> 0;
}
