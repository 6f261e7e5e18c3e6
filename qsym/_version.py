"""qsym's version, in the lowest module of all: every module that records it (generated
modules, cache records, exports, ``qsym --version``) imports it from here, never from the
package, which imports them."""

__version__ = "0.1.0"
