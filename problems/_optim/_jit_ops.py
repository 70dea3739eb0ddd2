"""The opcodes of a compiled gradient program (accel.compile_gradient writes them, _jit.run_program reads them);
a module of their own so that writing a program imports no Numba."""
CONST, VAR, LOAD, STORE, OUT, ADD, MUL, POW, NEG, RECIP, SQUARE, SQRT, EXP, LOG, SIN, COS, TAN, TANH, ABS, \
    SIGMOID, RELU, MAX, MIN, ATAN, ASIN, ACOS, SINH, COSH, SIGN, HEAVISIDE = range(30)
