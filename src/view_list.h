/* view_list.h - THE list of views, one row each: its constant, its name
 * (its class is vw_NAME_class, defined in view_NAME.c) and its key in the
 * panel. The order is the order of the panel's tabs, of `help view` and
 * of completion. Adding a view is a view_NAME.c file, a row here and the
 * file in src/Makefile.am's list of views; `view`, the panel's keys and
 * key help, completion, `help view` and doc/commands.md read the table.
 * Included with VIEW(CONST, name, key) defined. */
VIEW(DIGITS, digits, '1')
VIEW(CONFUSION, confusion, '2')
VIEW(BOUNDARY, boundary, '3')
VIEW(STATS, stats, '4')
VIEW(HISTOGRAMS, histograms, 't')
VIEW(PROBS, probs, '5')
VIEW(LATENT, latent, '6')
VIEW(RECON, recon, '7')
VIEW(SAMPLES, samples, '8')
VIEW(GAN, gan, '9')
VIEW(ATTENTION, attention, '0')
