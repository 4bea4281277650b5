#ifndef TIM_VERSION_H
#define TIM_VERSION_H

#define TIM_VERSION "0.1.0"

#endif
