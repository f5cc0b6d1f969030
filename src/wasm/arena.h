/* arena.c: malloc and friends over one bump region that every exported call resets first. */
void arena_reset(void);
