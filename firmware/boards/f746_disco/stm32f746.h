/*
 * The STM32F746NG registers this board layer uses (addresses and bits from
 * the STM32F75xxx/F74xxx reference manual, RM0385).
 */
#ifndef ALLHW_STM32F746_H
#define ALLHW_STM32F746_H

#include "cortex_m7.h"

#define STM32F746_IRQ_COUNT 98u
#define USART1_IRQ 37u

/* RCC */
#define RCC_BASE 0x40023800u
#define RCC_CR REG32(RCC_BASE + 0x00u)
#define RCC_PLLCFGR REG32(RCC_BASE + 0x04u)
#define RCC_CFGR REG32(RCC_BASE + 0x08u)
#define RCC_AHB1ENR REG32(RCC_BASE + 0x30u)
#define RCC_APB1ENR REG32(RCC_BASE + 0x40u)
#define RCC_APB2ENR REG32(RCC_BASE + 0x44u)
#define RCC_DCKCFGR2 REG32(RCC_BASE + 0x90u)

#define RCC_CR_HSION (1u << 0)
#define RCC_CR_HSIRDY (1u << 1)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_HSEBYP (1u << 18)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)

#define RCC_PLLCFGR_M_POS 0u   /* 6 bits */
#define RCC_PLLCFGR_N_POS 6u   /* 9 bits */
#define RCC_PLLCFGR_P_POS 16u  /* 2 bits: 0 -> /2 */
#define RCC_PLLCFGR_SRC_HSE (1u << 22)
#define RCC_PLLCFGR_Q_POS 24u  /* 4 bits */
#define RCC_PLLCFGR_FIELDS (0x3Fu | (0x1FFu << 6) | (0x3u << 16) | (1u << 22) | (0xFu << 24))

#define RCC_CFGR_SW_MASK 0x3u
#define RCC_CFGR_SW_HSI 0x0u
#define RCC_CFGR_SW_PLL 0x2u
#define RCC_CFGR_SWS_MASK (0x3u << 2)
#define RCC_CFGR_SWS_HSI (0x0u << 2)
#define RCC_CFGR_SWS_PLL (0x2u << 2)
#define RCC_CFGR_HPRE_MASK (0xFu << 4)
#define RCC_CFGR_PPRE1_MASK (0x7u << 10)
#define RCC_CFGR_PPRE1_DIV4 (0x5u << 10)
#define RCC_CFGR_PPRE2_MASK (0x7u << 13)
#define RCC_CFGR_PPRE2_DIV2 (0x4u << 13)

#define RCC_AHB1ENR_GPIOAEN (1u << 0)
#define RCC_AHB1ENR_GPIOBEN (1u << 1)
#define RCC_APB1ENR_PWREN (1u << 28)
#define RCC_APB2ENR_USART1EN (1u << 4)
#define RCC_DCKCFGR2_USART1SEL_MASK (0x3u << 0) /* 0: PCLK2 */

/* PWR */
#define PWR_BASE 0x40007000u
#define PWR_CR1 REG32(PWR_BASE + 0x00u)
#define PWR_CSR1 REG32(PWR_BASE + 0x04u)
#define PWR_CR1_VOS_MASK (0x3u << 14)
#define PWR_CR1_VOS_SCALE1 (0x3u << 14)
#define PWR_CR1_ODEN (1u << 16)
#define PWR_CR1_ODSWEN (1u << 17)
#define PWR_CSR1_ODRDY (1u << 16)
#define PWR_CSR1_ODSWRDY (1u << 17)

/* Flash interface */
#define FLASH_ACR REG32(0x40023C00u)
#define FLASH_ACR_LATENCY_MASK 0xFu
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ARTEN (1u << 9)

/* GPIO */
#define GPIOA_BASE 0x40020000u
#define GPIOB_BASE 0x40020400u
#define GPIO_MODER(base) REG32((base) + 0x00u)
#define GPIO_OTYPER(base) REG32((base) + 0x04u)
#define GPIO_OSPEEDR(base) REG32((base) + 0x08u)
#define GPIO_PUPDR(base) REG32((base) + 0x0Cu)
#define GPIO_AFRL(base) REG32((base) + 0x20u)
#define GPIO_AFRH(base) REG32((base) + 0x24u)

/* USART1 */
#define USART1_BASE 0x40011000u
#define USART1_CR1 REG32(USART1_BASE + 0x00u)
#define USART1_CR2 REG32(USART1_BASE + 0x04u)
#define USART1_CR3 REG32(USART1_BASE + 0x08u)
#define USART1_BRR REG32(USART1_BASE + 0x0Cu)
#define USART1_ISR REG32(USART1_BASE + 0x1Cu)
#define USART1_ICR REG32(USART1_BASE + 0x20u)
#define USART1_RDR REG32(USART1_BASE + 0x24u)
#define USART1_TDR REG32(USART1_BASE + 0x28u)

#define USART_CR1_UE (1u << 0)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_ISR_PE (1u << 0)
#define USART_ISR_FE (1u << 1)
#define USART_ISR_NE (1u << 2)
#define USART_ISR_ORE (1u << 3)
#define USART_ISR_RXNE (1u << 5)
#define USART_ISR_TC (1u << 6)
#define USART_ISR_TXE (1u << 7)
#define USART_ICR_PECF (1u << 0)
#define USART_ICR_FECF (1u << 1)
#define USART_ICR_NCF (1u << 2)
#define USART_ICR_ORECF (1u << 3)
/* The receive error flags; each clear bit of ICR sits where its flag sits in ISR. */
#define USART_ISR_RX_ERRORS (USART_ISR_PE | USART_ISR_FE | USART_ISR_NE | USART_ISR_ORE)
_Static_assert(USART_ICR_PECF == USART_ISR_PE && USART_ICR_FECF == USART_ISR_FE &&
                   USART_ICR_NCF == USART_ISR_NE && USART_ICR_ORECF == USART_ISR_ORE,
               "ICR clear bits must mirror the ISR error flags");

/* Debug MCU: keep the debug port alive in sleep (WFI) */
#define DBGMCU_CR REG32(0xE0042004u)
#define DBGMCU_CR_DBG_SLEEP (1u << 0)

#endif
