import glob, os, shutil, sys
folder, kernel, how = sys.argv[1:4]
nbc = glob.glob(f"{folder}/kernels/*/_kernels.{kernel}-*.nbc")[0]
if how == "flip":
    b = bytearray(open(nbc, "rb").read()); b[len(b) // 2] ^= 0xFF; open(nbc, "wb").write(b)
elif how == "end":
    b = bytearray(open(nbc, "rb").read()); b[-10] ^= 0xFF; open(nbc, "wb").write(b)
elif how == "trunc":
    b = open(nbc, "rb").read(); open(nbc, "wb").write(b[: 2 * len(b) // 3])
elif how == "remove":
    os.remove(nbc)
elif how == "folder":
    os.remove(nbc); os.mkdir(nbc)
elif how == "swap":
    other = glob.glob(f"{folder}/kernels/*/_kernels.program_value_into-*.nbc")[0]
    shutil.copyfile(other, nbc)
