package io.ledgerbridge.platform.web;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** The finance console at /console/ (static page and script in resources/static/console, over the /api calls). */
@Configuration
public class ConsoleConfig implements WebMvcConfigurer {

    @Override
    public void addViewControllers(ViewControllerRegistry registry) {
        registry.addViewController("/console").setViewName("redirect:/console/");
        registry.addViewController("/console/").setViewName("forward:/console/index.html");
    }
}
