/*
 * The parts of board.h that every board layer does the same way, plus the
 * fault report the boards' board_panic writes.
 */
#include <stddef.h>

#include "board.h"
#include "board_common.h"
#include "cortex_m7.h"
#include "rx_ring.h"

void board_idle(void)
{
    cm_irq_disable();
    if (rx_ring_empty()) {
        cm_wfi(); /* wakes on a pending interrupt even with PRIMASK set */
    }
    cm_irq_enable();
}

void board_write_error(const char *what)
{
    static const char prefix[] = "Error: ";
    board_write(prefix, sizeof prefix - 1);
    size_t n = 0;
    while (what[n] != '\0') {
        n++;
    }
    board_write(what, n);
    board_write("\n", 1);
}
