/*
 * f746_disco board layer (STM32F746G-DISCO): 216 MHz from the PLL, USART1
 * at 115200 8N1 on the ST-LINK virtual COM port (TX PA9, RX PB7, AF7) with
 * RX by interrupt into the ring, the DWT cycle counter as the timer.
 * Exit just parks the core: the board has no one to report a code to.
 */
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "board_common.h"
#include "cortex_m7.h"
#include "rx_ring.h"
#include "stm32f746.h"
#include "usart_rx.h"

void USART1_IRQHandler(void);

const char board_name[] = "f746_disco";

#define HSE_HZ 25000000u /* X2 crystal on the STM32F746G-DISCO */
#define HSI_HZ 16000000u
#define SYSCLK_HZ 216000000u
#define PCLK2_HZ (SYSCLK_HZ / 2u)
#define BAUD 115200u
#define HSE_STARTUP_LOOPS 500000u

static void wait_set(volatile uint32_t *reg, uint32_t mask)
{
    while ((*reg & mask) != mask) {
    }
}

/*
 * Run SYSCLK from the HSI, so that the PLL (and the HSE feeding it) can be
 * turned off. After a power-on reset it already is; after a warm start (a
 * debugger's load-and-jump, a bootloader's jump) SYSCLK may still come from
 * the PLL, and turning that off would stop the core. ST's HAL does the same:
 * HAL_RCC_OscConfig refuses to touch a PLL that clocks SYSCLK, and
 * HAL_RCC_DeInit selects the HSI first.
 */
static void sysclk_to_hsi(void)
{
    RCC_CR |= RCC_CR_HSION;
    wait_set(&RCC_CR, RCC_CR_HSIRDY);
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_HSI;
    while ((RCC_CFGR & RCC_CFGR_SWS_MASK) != RCC_CFGR_SWS_HSI) {
    }
}

/*
 * SYSCLK 216 MHz = PLL(VCO in 1 MHz x 432) / 2, from the 25 MHz HSE crystal,
 * or from the 16 MHz HSI when the HSE does not start. AHB 216 MHz,
 * APB1 54 MHz, APB2 108 MHz (USART1's clock). Needs voltage scale 1,
 * over-drive and 7 flash wait states (left at 7 by a warm start: more wait
 * states than needed are safe at any clock).
 */
static void clock_init(void)
{
    sysclk_to_hsi();
    RCC_CR &= ~RCC_CR_PLLON;
    while (RCC_CR & RCC_CR_PLLRDY) {
    }

    RCC_APB1ENR |= RCC_APB1ENR_PWREN;
    (void)RCC_APB1ENR;
    PWR_CR1 = (PWR_CR1 & ~PWR_CR1_VOS_MASK) | PWR_CR1_VOS_SCALE1; /* written with the PLL off */

    uint32_t pll_m;
    uint32_t pll_src;
    RCC_CR |= RCC_CR_HSEON;
    uint32_t loops = 0;
    while (!(RCC_CR & RCC_CR_HSERDY) && loops < HSE_STARTUP_LOOPS) {
        loops++;
    }
    if (RCC_CR & RCC_CR_HSERDY) {
        pll_m = HSE_HZ / 1000000u;
        pll_src = RCC_PLLCFGR_SRC_HSE;
    } else {
        RCC_CR &= ~RCC_CR_HSEON;
        pll_m = HSI_HZ / 1000000u;
        pll_src = 0;
    }

    RCC_PLLCFGR = (RCC_PLLCFGR & ~RCC_PLLCFGR_FIELDS) | (pll_m << RCC_PLLCFGR_M_POS) |
                  (432u << RCC_PLLCFGR_N_POS) | (0u << RCC_PLLCFGR_P_POS) | pll_src |
                  (9u << RCC_PLLCFGR_Q_POS);
    RCC_CR |= RCC_CR_PLLON;
    wait_set(&RCC_CR, RCC_CR_PLLRDY);

    PWR_CR1 |= PWR_CR1_ODEN;
    wait_set(&PWR_CSR1, PWR_CSR1_ODRDY);
    PWR_CR1 |= PWR_CR1_ODSWEN;
    wait_set(&PWR_CSR1, PWR_CSR1_ODSWRDY);

    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | 7u | FLASH_ACR_PRFTEN | FLASH_ACR_ARTEN;
    while ((FLASH_ACR & FLASH_ACR_LATENCY_MASK) != 7u) {
    }

    RCC_CFGR = (RCC_CFGR & ~(RCC_CFGR_HPRE_MASK | RCC_CFGR_PPRE1_MASK | RCC_CFGR_PPRE2_MASK)) |
               RCC_CFGR_PPRE1_DIV4 | RCC_CFGR_PPRE2_DIV2;
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLL;
    while ((RCC_CFGR & RCC_CFGR_SWS_MASK) != RCC_CFGR_SWS_PLL) {
    }
}

/*
 * Pin to alternate function 7 (USART1). The mode goes last, as ST's
 * HAL_GPIO_Init writes it: with AFR, type, speed and pull set first, the pin
 * never sits on AF0 or floats once it leaves input mode.
 */
static void gpio_af7(uint32_t base, unsigned pin)
{
    if (pin < 8u) {
        GPIO_AFRL(base) = (GPIO_AFRL(base) & ~(0xFu << (4u * pin))) | (7u << (4u * pin));
    } else {
        unsigned p = pin - 8u;
        GPIO_AFRH(base) = (GPIO_AFRH(base) & ~(0xFu << (4u * p))) | (7u << (4u * p));
    }
    GPIO_OTYPER(base) &= ~(1u << pin);
    GPIO_OSPEEDR(base) |= 3u << (2u * pin);
    GPIO_PUPDR(base) = (GPIO_PUPDR(base) & ~(3u << (2u * pin))) | (1u << (2u * pin)); /* pull-up */
    GPIO_MODER(base) = (GPIO_MODER(base) & ~(3u << (2u * pin))) | (2u << (2u * pin));
}

static void uart_init(void)
{
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOAEN | RCC_AHB1ENR_GPIOBEN;
    RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
    (void)RCC_APB2ENR;
    RCC_DCKCFGR2 &= ~RCC_DCKCFGR2_USART1SEL_MASK; /* USART1 clocked by PCLK2 */

    /* Both pulled up, as ST's board support package does: the line idles high. */
    gpio_af7(GPIOA_BASE, 9u); /* PA9: USART1_TX */
    gpio_af7(GPIOB_BASE, 7u); /* PB7: USART1_RX */

    USART1_CR1 = 0;
    USART1_CR2 = 0;
    USART1_CR3 = 0;
    USART1_BRR = (PCLK2_HZ + BAUD / 2u) / BAUD; /* oversampling by 16 */
    USART1_ICR = USART_ISR_RX_ERRORS; /* the USART is off: nothing can arrive in between */
    USART1_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    cm_nvic_enable(USART1_IRQ, 0x40);
}

void USART1_IRQHandler(void)
{
    uint32_t isr = USART1_ISR;
    uint8_t data = (isr & USART_ISR_RXNE) ? (uint8_t)USART1_RDR : 0u; /* reading RDR clears RXNE */
    uint32_t clear = usart_rx_take(isr, data);
    if (clear != 0u) {
        USART1_ICR = clear;
    }
}

static void timer_init(void)
{
    DEMCR |= DEMCR_TRCENA;
    DWT_LAR = 0xC5ACCE55u; /* unlock the DWT (Cortex-M7) */
    DWT_CYCCNT = 0;
    DWT_CTRL |= DWT_CTRL_CYCCNTENA;
}

void board_init(void)
{
    DBGMCU_CR |= DBGMCU_CR_DBG_SLEEP; /* debugger/flashing keeps working during WFI */
    clock_init();
    timer_init();
    uart_init();
    cm_irq_enable();
}

void board_write(const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        while (!(USART1_ISR & USART_ISR_TXE)) {
        }
        USART1_TDR = (uint8_t)data[i];
    }
}

uint32_t board_cycles(void)
{
    return DWT_CYCCNT;
}

uint32_t board_cycles_per_us(void)
{
    return SYSCLK_HZ / 1000000u;
}

void board_exit(int code)
{
    (void)code;
    while (!(USART1_ISR & USART_ISR_TC)) { /* let the last bytes out */
    }
    NVIC_ICER(USART1_IRQ / 32u) = 1u << (USART1_IRQ % 32u);
    for (;;) {
        cm_wfi();
    }
}

void board_panic(const char *what)
{
    cm_irq_disable();
    board_write_error(what);
    board_exit(3);
}
